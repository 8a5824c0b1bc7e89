//! Ed25519 batch verification with each key's signatures grouped, for re-verifying a whole log at load.
//!
//! A batch of n signatures (R_i, s_i) by keys A_i over messages M_i holds when, for random 128-bit z_i,
//!
//! ```text
//! [−Σ z_i·s_i]B + Σ [z_i]R_i + Σ_keys [Σ_{i: A_i = A} z_i·k_i]A = 0,   k_i = SHA-512(R_i ‖ A_i ‖ M_i) mod ℓ
//! ```
//!
//! which is the equation of `ed25519_dalek::verify_batch` with the terms of each key added up first: a log
//! is mostly signed by a handful of keys, so the multi-scalar multiplication has n + (number of keys) + 1
//! points instead of 2n + 1, about half the work. As there, the equation is the cofactorless one, `s` must
//! be reduced, and an R that does not decode fails the batch; the z_i come from the operating system's
//! random source, so a forger cannot choose signatures that cancel out (a batch with an invalid signature
//! passes with probability about 2^-128).
//!
//! A failed batch says only that some signature in it is bad: the caller then checks each one alone
//! ([`ed25519_dalek::VerifyingKey::verify`]) to name it.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha512};
use ssh_key::rand_core::{OsRng, RngCore};

/// One signature to check: the signed message (for SSHSIG, the signed-data blob), the signature, the key.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub message: &'a [u8],
    pub signature: &'a Signature,
    pub key: &'a VerifyingKey,
}

/// Whether every signature of `items` verifies. False when any does not (or when the random source fails):
/// check each signature alone to know which.
#[allow(non_snake_case)]
pub fn verify_batch(items: &[Item<'_>]) -> bool {
    if items.is_empty() {
        return true;
    }
    let mut random = vec![0u8; 16 * items.len()];
    if OsRng.try_fill_bytes(&mut random).is_err() {
        return false;
    }
    let mut B_coefficient = Scalar::ZERO;
    let mut R_coefficients: Vec<Scalar> = Vec::with_capacity(items.len());
    let mut Rs: Vec<Option<EdwardsPoint>> = Vec::with_capacity(items.len());
    // (key, Σ z_i·k_i over its signatures); few keys, so a list beats a map.
    let mut keys: Vec<(&VerifyingKey, Scalar)> = Vec::new();
    for (item, z) in items.iter().zip(random.chunks_exact(16)) {
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(*item.signature.s_bytes())) else {
            return false;
        };
        let mut wide = [0u8; 32];
        wide[..16].copy_from_slice(z);
        // Below 2^128 < ℓ: taken as is.
        let z = Scalar::from_bytes_mod_order(wide);
        let hram = Sha512::new()
            .chain_update(item.signature.r_bytes())
            .chain_update(item.key.as_bytes())
            .chain_update(item.message)
            .finalize();
        let k = Scalar::from_bytes_mod_order_wide(&hram.into());
        B_coefficient += z * s;
        R_coefficients.push(z);
        Rs.push(CompressedEdwardsY(*item.signature.r_bytes()).decompress());
        match keys.iter_mut().find(|(key, _)| *key == item.key) {
            Some((_, c)) => *c += z * k,
            None => keys.push((item.key, z * k)),
        }
    }
    let scalars = std::iter::once(-B_coefficient).chain(R_coefficients).chain(keys.iter().map(|(_, c)| *c));
    let points = std::iter::once(Some(ED25519_BASEPOINT_POINT))
        .chain(Rs)
        .chain(keys.iter().map(|(key, _)| Some(key.to_edwards())));
    EdwardsPoint::optional_multiscalar_mul(scalars, points).is_some_and(|sum| sum.is_identity())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey, Verifier};

    type Signed = (Vec<u8>, Signature, VerifyingKey);

    fn signed(n: usize, keys: &[SigningKey]) -> Vec<Signed> {
        (0..n)
            .map(|i| {
                let key = &keys[i % keys.len()];
                let msg = format!("message {i}").into_bytes();
                let sig = key.sign(&msg);
                (msg, sig, key.verifying_key())
            })
            .collect()
    }

    fn items(v: &[Signed]) -> Vec<Item<'_>> {
        v.iter().map(|(m, s, k)| Item { message: m, signature: s, key: k }).collect()
    }

    fn keys(n: u8) -> Vec<SigningKey> {
        (1..=n).map(|i| SigningKey::from_bytes(&[i; 32])).collect()
    }

    #[test]
    fn good_batches_pass_with_one_key_or_many() {
        for k in [1, 3, 40] {
            let v = signed(70, &keys(k));
            assert!(verify_batch(&items(&v)), "{k} keys");
            assert!(verify_batch(&items(&v[..1])));
        }
        assert!(verify_batch(&[]));
    }

    #[test]
    fn any_bad_signature_fails_the_batch_as_it_fails_alone() {
        let ks = keys(3);
        let good = signed(20, &ks);
        // (what is damaged, the damaged list)
        let mut cases: Vec<(&str, Vec<Signed>)> = Vec::new();
        for byte in [0, 17, 31, 32, 45, 63] {
            let mut v = good.clone();
            let mut b = v[7].1.to_bytes();
            b[byte] ^= 0x04;
            v[7].1 = Signature::from_bytes(&b);
            cases.push(("signature byte", v));
        }
        let mut v = good.clone();
        v[19].0.push(b'!');
        cases.push(("message", v));
        let mut v = good.clone();
        v[3].2 = ks[1].verifying_key();
        cases.push(("key (another of the batch's keys)", v));
        let mut v = good.clone();
        v.swap(4, 5);
        let (m4, m5) = (v[4].0.clone(), v[5].0.clone());
        v[4].0 = m5;
        v[5].0 = m4;
        cases.push(("two signatures swapped between messages", v));
        let mut v = good.clone();
        let mut b = v[0].1.to_bytes();
        // s + ℓ: the same value mod ℓ, not reduced.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(b[32 + i]) + u16::from(l[i]) + carry;
            b[32 + i] = sum as u8;
            carry = sum >> 8;
        }
        v[0].1 = Signature::from_bytes(&b);
        cases.push(("unreduced s", v));
        for (what, v) in cases {
            let alone: Vec<bool> = v.iter().map(|(m, s, k)| k.verify(m, s).is_ok()).collect();
            assert!(alone.iter().any(|ok| !ok), "{what}: the damage must be visible alone");
            assert!(!verify_batch(&items(&v)), "{what}: the batch must fail");
        }
    }
}
