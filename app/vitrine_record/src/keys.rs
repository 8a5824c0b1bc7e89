//! OpenSSH Ed25519 keys and SSHSIG signatures, byte-compatible with `ssh-keygen`.
//!
//! Private keys are read and written in the `openssh-key-v1` format, encrypted with bcrypt-pbkdf and
//! aes256-ctr exactly as `ssh-keygen -t ed25519` does, so a key made by either tool works in the other.
//! Signatures are the armored SSHSIG blobs `ssh-keygen -Y sign` writes (SHA-512 message hash).

use std::path::Path;

use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, HashAlg, LineEnding, SshSig};
pub use ssh_key::{PrivateKey, PublicKey};

use crate::error::RecordError;

/// Namespace of entry signatures.
pub const NS_ENTRY: &str = "entry@vitrine";
/// Namespace of checkpoint signatures.
pub const NS_CHECKPOINT: &str = "checkpoint@vitrine";
/// Namespace of the statement of every file of a bundle (`FILES.sha256`, format 2).
pub const NS_BUNDLE: &str = "bundle@vitrine";

/// What a signature whose Ed25519 scalar S is not below the group order L is, in every message of
/// `vitrine verify` and `verify.sh` (which prints these words too).
pub const NOT_CANONICAL: &str =
    "is not canonical Ed25519 (S >= L): a signature altered without its key, refused";

/// The order L of the Ed25519 group, little-endian (RFC 8032, section 5.1).
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Whether the raw Ed25519 signature `R || S` has its scalar S below L (RFC 8032's verification
/// requires it). `ssh-keygen` checks only S's top three bits, so S + L passes there: a signature anyone
/// can make from a genuine one without the key (the same entry with two signatures). Both of Vitrine's
/// verifiers refuse it, by this rule.
pub fn is_canonical(raw: &[u8]) -> bool {
    let Some(s) = raw.get(32..64) else { return false };
    // Compared as numbers: from the most significant byte (the last) down.
    for (a, l) in s.iter().rev().zip(ED25519_L.iter().rev()) {
        if a != l {
            return a < l;
        }
    }
    false
}

/// An unlocked private key, ready to sign.
pub struct Signer {
    key: PrivateKey,
    fingerprint: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

impl Signer {
    /// Reads an OpenSSH private key file. `passphrase` is asked only when the key is encrypted.
    pub fn read(
        path: &Path,
        passphrase: impl FnOnce() -> Result<String, RecordError>,
    ) -> Result<Signer, RecordError> {
        let text = std::fs::read(path).map_err(RecordError::io("read", path))?;
        let key = PrivateKey::from_openssh(&text)
            .map_err(|e| RecordError::Key(format!("{}: not an OpenSSH private key ({e})", path.display())))?;
        let key = if key.is_encrypted() {
            let pass = passphrase()?;
            key.decrypt(pass.as_bytes()).map_err(|_| RecordError::Passphrase(path.to_path_buf()))?
        } else {
            key
        };
        Signer::from_key(key)
    }

    /// Wraps an already decrypted private key; [`RecordError::Key`] unless it is Ed25519.
    pub fn from_key(key: PrivateKey) -> Result<Signer, RecordError> {
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(RecordError::Key(format!("only Ed25519 keys are accepted, not {}", key.algorithm())));
        }
        let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
        Ok(Signer { key, fingerprint })
    }

    /// A fresh random Ed25519 key with `comment`.
    pub fn generate(comment: &str) -> Result<Signer, RecordError> {
        let mut key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519)
            .map_err(|e| RecordError::Key(e.to_string()))?;
        key.set_comment(comment);
        Signer::from_key(key)
    }

    /// `SHA256:…` as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The public half, as it goes into `allowed_signers`.
    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    /// The private key file text, encrypted with `passphrase` unless it is `None`.
    pub fn to_openssh(&self, passphrase: Option<&str>) -> Result<String, RecordError> {
        let key = match passphrase {
            Some(p) => {
                self.key.encrypt(&mut OsRng, p.as_bytes()).map_err(|e| RecordError::Key(e.to_string()))?
            }
            None => self.key.clone(),
        };
        let text = key.to_openssh(LineEnding::LF).map_err(|e| RecordError::Key(e.to_string()))?;
        Ok(text.as_str().to_owned())
    }

    /// The `.pub` line (`ssh-ed25519 AAAA… comment`).
    pub fn public_openssh(&self) -> Result<String, RecordError> {
        self.key.public_key().to_openssh().map_err(|e| RecordError::Key(e.to_string()))
    }

    /// An armored SSHSIG signature over `msg`, exactly what `ssh-keygen -Y sign -n NAMESPACE` writes.
    pub fn sign(&self, namespace: &str, msg: &[u8]) -> Result<String, RecordError> {
        let sig = self
            .key
            .sign(namespace, HashAlg::Sha512, msg)
            .map_err(|e| RecordError::Signature(e.to_string()))?;
        sig.to_pem(LineEnding::LF).map_err(|e| RecordError::Signature(e.to_string()))
    }
}

/// Reads a `.pub` file or line.
pub fn parse_public_key(text: &str) -> Result<PublicKey, RecordError> {
    let key = PublicKey::from_openssh(text.trim())
        .map_err(|e| RecordError::Key(format!("not an OpenSSH public key: {e}")))?;
    if key.algorithm() != Algorithm::Ed25519 {
        return Err(RecordError::Key(format!("only Ed25519 keys are accepted, not {}", key.algorithm())));
    }
    verifying_key(&key)?;
    Ok(key)
}

/// What a public key of small order is, in every message of Vitrine and `verify.sh` (which prints these
/// words too).
pub const WEAK_KEY: &str = "is an Ed25519 key of small order (a weak key: anyone can make a signature that verifies under it), refused";

/// The Ed25519 point of a public key, decoded. A point of small order (the identity and the seven others,
/// in any encoding) is refused: for such a key R = identity, S = 0 verifies for every message, so a
/// signature under it binds no one. Every key Vitrine reads (`people add`, an `allowed_signers` file of a
/// review, a bundle or `--trusted-signers`) passes here.
pub fn verifying_key(key: &PublicKey) -> Result<ed25519_dalek::VerifyingKey, RecordError> {
    let raw = key.key_data().ed25519().ok_or_else(|| RecordError::Key("not an Ed25519 key".into()))?;
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&raw.0)
        .map_err(|_| RecordError::Key("invalid Ed25519 public key".into()))?;
    if vk.is_weak() {
        return Err(RecordError::Key(format!("key {} {WEAK_KEY}", fingerprint(key))));
    }
    Ok(vk)
}

/// `SHA256:…` fingerprint of `key`, as `ssh-keygen -l` prints it: how entries and `allowed_signers`
/// name a key.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// A parsed armored signature, with the fingerprint of the key that made it.
#[derive(Debug, Clone)]
pub struct Signature {
    sig: SshSig,
}

impl Signature {
    /// Parses an armored SSHSIG (`-----BEGIN SSH SIGNATURE-----`). Parsing checks only the form;
    /// [`RecordError::Signature`] if it is unreadable. Whether it verifies is a separate check.
    /// Only the exact layout `ssh-keygen -Y sign` writes is read (see [`NOT_AS_WRITTEN`]): `ssh-keygen`
    /// (so `verify.sh`) and a PEM reader each accept other layouts the other refuses.
    pub fn parse(armored: &[u8]) -> Result<Signature, RecordError> {
        let sig = parse_written_armor(armored)
            .map_err(|why| RecordError::Signature(format!("unreadable SSHSIG: {why}")))?;
        Ok(Signature { sig })
    }

    /// `SHA256:…` fingerprint of the key the signature names (not yet checked against anything).
    pub fn fingerprint(&self) -> String {
        self.sig.public_key().fingerprint(HashAlg::Sha256).to_string()
    }

    /// The public key the signature names.
    pub fn key_data(&self) -> &ssh_key::public::KeyData {
        self.sig.public_key()
    }

    /// The SSHSIG namespace the signature was made in (`entry@vitrine`, …), as the blob states it.
    pub fn namespace(&self) -> &str {
        self.sig.namespace()
    }

    /// Checks the signature over `msg` under `namespace` by `key`, whose Ed25519 point `vk` the caller
    /// decoded once (decoding it per signature costs about as much as half a verification).
    /// The checks are those of [`Signature::verify`], in the same order.
    pub fn verify_with(
        &self,
        key: &PublicKey,
        vk: &ed25519_dalek::VerifyingKey,
        namespace: &str,
        msg: &[u8],
    ) -> Result<(), RecordError> {
        use ed25519_dalek::Verifier;
        let (data, sig) = self.prepare(key, namespace, msg)?;
        // Weak keys never get here (`verifying_key`). Not `verify_strict`: it also refuses a small-order
        // R, which ssh-keygen accepts (a key holder could make a signature that only one verifier takes).
        vk.verify(&data, &sig).map_err(|_| RecordError::Signature("does not verify".into()))
    }

    /// Every check but the final Ed25519 equation: the key, the namespace, and the SSHSIG signed data
    /// with the raw signature, ready for single or batch verification.
    pub fn prepare(
        &self,
        key: &PublicKey,
        namespace: &str,
        msg: &[u8],
    ) -> Result<(Vec<u8>, ed25519_dalek::Signature), RecordError> {
        if self.sig.algorithm() != Algorithm::Ed25519 {
            return Err(RecordError::Signature("not an Ed25519 signature".into()));
        }
        if key.key_data() != self.sig.public_key() {
            return Err(RecordError::Signature("made by a different key".into()));
        }
        if namespace != self.sig.namespace() {
            return Err(RecordError::Signature(format!(
                "wrong namespace {:?}, expected {namespace:?}",
                self.sig.namespace()
            )));
        }
        if !is_canonical(self.sig.signature_bytes()) {
            return Err(RecordError::Signature(NOT_CANONICAL.into()));
        }
        let data = SshSig::signed_data(namespace, self.sig.hash_alg(), msg)
            .map_err(|e| RecordError::Signature(e.to_string()))?;
        let sig = ed25519_dalek::Signature::from_slice(self.sig.signature_bytes())
            .map_err(|_| RecordError::Signature("malformed Ed25519 signature".into()))?;
        Ok((data, sig))
    }

    /// Checks the signature over `msg` under `namespace` by `key`.
    pub fn verify(&self, key: &PublicKey, namespace: &str, msg: &[u8]) -> Result<(), RecordError> {
        if self.sig.algorithm() != Algorithm::Ed25519 {
            return Err(RecordError::Signature("not an Ed25519 signature".into()));
        }
        if !is_canonical(self.sig.signature_bytes()) {
            return Err(RecordError::Signature(NOT_CANONICAL.into()));
        }
        verifying_key(key).map_err(|e| RecordError::Signature(e.to_string()))?;
        key.verify(namespace, msg, &self.sig).map_err(|e| match e {
            ssh_key::Error::Namespace => RecordError::Signature(format!(
                "wrong namespace {:?}, expected {namespace:?}",
                self.sig.namespace()
            )),
            ssh_key::Error::PublicKey => RecordError::Signature("made by a different key".into()),
            _ => RecordError::Signature("does not verify".into()),
        })
    }
}

/// What a signature file in any layout but the one `ssh-keygen -Y sign` writes is, in every message of
/// `vitrine verify` and `verify.sh` (which prints these words too).
pub const NOT_AS_WRITTEN: &str = "not laid out as ssh-keygen -Y sign writes it (the BEGIN line, Base64 in \
     70-column lines, the END line, each ending in LF, nothing else), refused";

/// The signature in `armored`, which must be laid out exactly as `ssh-keygen -Y sign` and [`Signer::sign`]
/// write it: `-----BEGIN SSH SIGNATURE-----`, the Base64 text in lines of 70 characters (the last 1 to 70),
/// `-----END SSH SIGNATURE-----`, each line ending in LF and nothing before or after. Any other layout is
/// refused ([`NOT_AS_WRITTEN`]), as `verify.sh` refuses it: `ssh-keygen` ignores text after the END line
/// and blanks inside the Base64 but refuses CRLF, a PEM reader the reverse, so a signature re-wrapped
/// without its key would verify in one verifier and not the other. The Base64 text must be canonical (the
/// standard engine: padding, no stray bits) and the blob decode by `SshSig`'s own decoder, whole.
fn parse_written_armor(armored: &[u8]) -> Result<SshSig, &'static str> {
    use base64::Engine;
    use ssh_encoding::Decode;
    const BEGIN: &[u8] = b"-----BEGIN SSH SIGNATURE-----\n";
    const END: &[u8] = b"\n-----END SSH SIGNATURE-----\n";
    const WIDTH: usize = 70;
    let body = armored.strip_prefix(BEGIN).and_then(|b| b.strip_suffix(END)).ok_or(NOT_AS_WRITTEN)?;
    let mut text = Vec::with_capacity(body.len());
    let mut lines = body.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        if line.is_empty()
            || line.len() > WIDTH
            || (!last && line.len() != WIDTH)
            || !line.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        {
            return Err(NOT_AS_WRITTEN);
        }
        text.extend_from_slice(line);
    }
    let blob = base64::engine::general_purpose::STANDARD.decode(&text).map_err(|_| "invalid Base64")?;
    let mut reader: &[u8] = &blob;
    let sig = SshSig::decode(&mut reader).map_err(|_| "the SSHSIG blob does not decode")?;
    if !reader.is_empty() {
        return Err("data after the SSHSIG blob");
    }
    Ok(sig)
}

/// The passphrase of a key: `$VITRINE_PASSPHRASE` when set (for scripts), else asked on the terminal
/// (`/dev/tty`, without echo) so it never passes through arguments, history or stdin redirections.
pub fn passphrase(prompt: &str) -> Result<String, RecordError> {
    if let Some(p) = std::env::var_os("VITRINE_PASSPHRASE") {
        return p.into_string().map_err(|_| RecordError::Usage("VITRINE_PASSPHRASE is not UTF-8".into()));
    }
    rpassword::prompt_password(prompt).map_err(|e| {
        RecordError::Usage(format!(
            "cannot read a passphrase from the terminal ({e}); set VITRINE_PASSPHRASE"
        ))
    })
}

/// A new passphrase: `$VITRINE_PASSPHRASE`, or asked twice on the terminal.
pub fn new_passphrase() -> Result<String, RecordError> {
    if std::env::var_os("VITRINE_PASSPHRASE").is_some() {
        return passphrase("");
    }
    let a = passphrase("New passphrase: ")?;
    let b = passphrase("Same passphrase again: ")?;
    if a != b {
        return Err(RecordError::Usage("the two passphrases differ".into()));
    }
    if a.is_empty() {
        return Err(RecordError::Usage(
            "empty passphrase: use --no-passphrase to write an unencrypted key on purpose".into(),
        ));
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every encoding of the eight Ed25519 points of small order (canonical, y + p, either sign bit),
    /// as the base64 of the OpenSSH key blob; verify.sh refuses the same list.
    pub(crate) const SMALL_ORDER_KEYS: [&str; 14] = [
        "AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACA",
        "AAAAC3NzaC1lZDI1NTE5AAAAIO3///////////////////////////////////////9/",
        "AAAAC3NzaC1lZDI1NTE5AAAAIO3/////////////////////////////////////////",
        "AAAAC3NzaC1lZDI1NTE5AAAAIAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAC3NzaC1lZDI1NTE5AAAAIAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACA",
        "AAAAC3NzaC1lZDI1NTE5AAAAIO7///////////////////////////////////////9/",
        "AAAAC3NzaC1lZDI1NTE5AAAAIO7/////////////////////////////////////////",
        "AAAAC3NzaC1lZDI1NTE5AAAAIOz///////////////////////////////////////9/",
        "AAAAC3NzaC1lZDI1NTE5AAAAIOz/////////////////////////////////////////",
        "AAAAC3NzaC1lZDI1NTE5AAAAICbolY/CsiewRcP0ifLvmPDV36wF08YzObE4AohtU/wF",
        "AAAAC3NzaC1lZDI1NTE5AAAAICbolY/CsiewRcP0ifLvmPDV36wF08YzObE4AohtU/yF",
        "AAAAC3NzaC1lZDI1NTE5AAAAIMcXanA9TdhPujwLdg0QZw8qIFP6LDnMxk7H/XeSrAN6",
        "AAAAC3NzaC1lZDI1NTE5AAAAIMcXanA9TdhPujwLdg0QZw8qIFP6LDnMxk7H/XeSrAP6",
    ];

    /// A key of small order is refused wherever a key is read (a `.pub` for `people add`, a line of an
    /// `allowed_signers` file), and so is a signature checked against one; verify.sh lists the same keys.
    #[test]
    fn keys_of_small_order_are_refused_wherever_a_key_is_read() {
        let verify_sh_list = crate::scripts::VERIFY_SH.split("WEAK_KEYS='").nth(1).unwrap();
        let verify_sh_list = verify_sh_list.split('\'').next().unwrap();
        for b64 in SMALL_ORDER_KEYS {
            let e = parse_public_key(&format!("ssh-ed25519 {b64} weak")).unwrap_err().to_string();
            assert!(e.contains(WEAK_KEY) || e.contains("invalid Ed25519"), "{b64}: {e}");
            let line =
                format!("ven@vendor.example namespaces=\"entry@vitrine\" ssh-ed25519 {b64} role=vendor\n");
            assert!(crate::allowed::AllowedSigners::parse(&line).is_err(), "{b64}");
            use base64::Engine;
            let blob = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
            assert!(verify_sh_list.contains(&hex::encode(&blob[19..])), "verify.sh lacks {b64}");
        }
        let good = Signer::generate("x").unwrap();
        let pub_line = good.public_openssh().unwrap();
        let key = parse_public_key(&pub_line).unwrap();
        let sig = Signature::parse(good.sign(NS_ENTRY, b"m").unwrap().as_bytes()).unwrap();
        sig.verify(&key, NS_ENTRY, b"m").unwrap();
    }

    /// S + L (a signature anyone can make from a genuine one) is refused by every check, in the words
    /// verify.sh prints; S = L - 1 is the largest canonical scalar.
    #[test]
    fn a_signature_with_s_plus_l_is_refused_in_the_words_verify_sh_prints() {
        assert!(crate::scripts::VERIFY_SH.contains(&format!("NOT_CANONICAL=\"{NOT_CANONICAL}\"")));
        let mut raw = [0u8; 64];
        raw[32..].copy_from_slice(&ED25519_L);
        assert!(!is_canonical(&raw));
        raw[32] -= 1;
        assert!(is_canonical(&raw));
        raw[63] = 0x1f;
        assert!(!is_canonical(&raw));
        assert!(is_canonical(&[0u8; 64]) && !is_canonical(&[0u8; 63]));
        let mut malleated = 0;
        for i in 0..64 {
            let s = Signer::generate("t").unwrap();
            let msg = format!("entry {i}");
            let genuine = Signature::parse(s.sign(NS_ENTRY, msg.as_bytes()).unwrap().as_bytes()).unwrap();
            genuine.verify(s.public_key(), NS_ENTRY, msg.as_bytes()).unwrap();
            let mut bytes = genuine.sig.signature_bytes().to_vec();
            let mut carry = 0u16;
            for (b, l) in bytes[32..].iter_mut().zip(ED25519_L) {
                let sum = u16::from(*b) + u16::from(l) + carry;
                *b = (sum & 0xff) as u8;
                carry = sum >> 8;
            }
            if carry != 0 || bytes[63] & 0xe0 != 0 {
                continue;
            }
            let sig = ssh_key::Signature::new(Algorithm::Ed25519, bytes).unwrap();
            let other =
                SshSig::new(genuine.sig.public_key().clone(), NS_ENTRY, HashAlg::Sha512, sig).unwrap();
            let armored = other.to_pem(LineEnding::LF).unwrap();
            let parsed = Signature::parse(armored.as_bytes()).unwrap();
            let e = parsed.verify(s.public_key(), NS_ENTRY, msg.as_bytes()).unwrap_err();
            assert_eq!(e.to_string(), format!("signature: {NOT_CANONICAL}"));
            let vk = verifying_key(s.public_key()).unwrap();
            let e = parsed.verify_with(s.public_key(), &vk, NS_ENTRY, msg.as_bytes()).unwrap_err();
            assert_eq!(e.to_string(), format!("signature: {NOT_CANONICAL}"));
            malleated += 1;
        }
        assert!(malleated > 8, "{malleated} of 64 signatures had room for S + L");
    }

    /// Whether verify.sh's `armor_ok` (run by dash) takes `armored` as laid out as ssh-keygen writes it.
    fn verify_sh_armor_ok(armored: &str) -> bool {
        let sh = crate::scripts::VERIFY_SH;
        let start = sh.find("armor_ok() {").unwrap();
        let func = &sh[start..start + sh[start..].find("\n}\n").unwrap() + 3];
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.sig");
        std::fs::write(&f, armored).unwrap();
        let st = std::process::Command::new("dash")
            .arg("-c")
            .arg(format!("{func}armor_ok \"$1\""))
            .arg("sh")
            .arg(&f)
            .status()
            .unwrap();
        st.success()
    }

    /// What `Signature::parse` reads, `SshSig::from_pem` reads the same way (it reads more layouts).
    fn same_as_from_pem(armored: &[u8]) {
        if let Ok(ours) = Signature::parse(armored) {
            assert_eq!(Ok(ours.sig), SshSig::from_pem(armored), "{:?}", String::from_utf8_lossy(armored));
        }
    }

    #[test]
    fn signatures_as_written_take_the_fast_path_and_read_as_from_pem_reads_them() {
        let s = Signer::generate("t").unwrap();
        for msg in [&b""[..], b"x", &[7u8; 1000]] {
            let armored = s.sign(NS_ENTRY, msg).unwrap();
            assert!(parse_written_armor(armored.as_bytes()).is_ok());
            same_as_from_pem(armored.as_bytes());
            let sig = Signature::parse(armored.as_bytes()).unwrap();
            sig.verify(s.public_key(), NS_ENTRY, msg).unwrap();
            // Other layouts and damage: the general parser decides, with the same answer.
            let text = armored.as_str();
            let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
            let rewrapped = |w: usize| {
                let lines: Vec<&str> =
                    body.as_bytes().chunks(w).map(|c| std::str::from_utf8(c).unwrap()).collect();
                format!("-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n", lines.join("\n"))
            };
            // Every other layout is refused in one rule, whichever of ssh-keygen or a PEM reader takes it.
            let layouts = [
                text.replace('\n', "\r\n"),
                text.trim_end().to_owned(),
                format!("{text}\n"),
                format!("{text}reviewed by the vendor\n"),
                format!("\n{text}"),
                rewrapped(64),
                rewrapped(76),
                rewrapped(69),
                text.replacen("SSH SIGNATURE", "SSH SIGNATURF", 1),
                text.replacen("\n", "\n ", 2),
                text.replacen("\n", "\n\t", 2),
                text.replacen("\n-----END", " \n-----END", 1),
            ];
            assert!(crate::scripts::VERIFY_SH.contains(NOT_AS_WRITTEN));
            assert!(verify_sh_armor_ok(text));
            for v in &layouts {
                let e = Signature::parse(v.as_bytes()).unwrap_err().to_string();
                assert!(e.contains(NOT_AS_WRITTEN), "{v:?}: {e}");
                assert!(!verify_sh_armor_ok(v), "verify.sh takes {v:?}");
            }
            let mut variants = vec![text.replacen('A', "B", 1)];
            variants.extend(layouts);
            // Every single character of the body changed, dropped, or a padding character moved.
            let at = text.find('\n').unwrap() + 1;
            for i in at..text.len() - 29 {
                for c in ["A", "z", "=", "+", "\n", ""] {
                    let mut v = text.to_owned();
                    v.replace_range(i..i + 1, c);
                    variants.push(v);
                }
            }
            for v in variants {
                same_as_from_pem(v.as_bytes());
            }
        }
    }
}
