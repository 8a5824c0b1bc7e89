//! Round 8's per-file readers (the shared lexical rules, the cgo view, coding declarations and their
//! decoders, keyword macros, continued comments, lone-CR rules) on damaged and crafted text: every
//! truncation and random byte flips of hostile samples, and deep nesting or long runs (a run of 50,000
//! `# \` make lines took minutes before the continued-comment scan looked ahead once per comment).
//! Nothing may panic or hang.

use crate::health::{FileFindings, HealthConfig, scan_text};

const SAMPLES: [(&str, &str); 8] = [
    (
        "A.java",
        "class A { String s = \"a \\u0022; grantRoot(1); String t = \\u0022 b\"; /* x \\u002a/ f(); /* */ }\n",
    ),
    ("a.js", "if (u) /\"/.test(u); x = 1 <!-- c\n*/ --> if (!ok) return deny(u);\nvar r = `${a}`;\n"),
    (
        "lib.rs",
        "/* a /* b */ c */ fn r#verify() { let b = b'\"'; include!(\"x.txt\"); }\n#[cfg(any())] fn f() {}\n",
    ),
    (
        "main.go",
        "package main\n/*\n#include \"x.h\"\nint grant_root(int u) { return u; }\n*/\nimport \"C\"\nfunc f() { C.grant_root(1) }\n",
    ),
    ("x.py", "# -*- coding: utf-7 -*-\n# audit +AAo-grant_root(1)\ns = '\\u000a\\x41'\n"),
    ("Makefile", "# keep \\\nCFLAGS += -DSIGNED\nall:\n\t# recipe \\\n\techo x\n"),
    ("x.php", "<?php // old\rsystem('id'); -- lua\r# tcl\r\n"),
    ("k.h", "#define if(c) if (!(c))\n#define NULL 1\n#define true 0\n__asm__(\".set a, b\");\n"),
];

fn scan(path: &str, bytes: &[u8]) {
    let config = HealthConfig::default();
    let mut out = FileFindings::new(path, &config);
    scan_text(&String::from_utf8_lossy(bytes), &mut out);
    crate::pycookie::scan(path, bytes, &mut out);
    let _ = out.finish();
    let _ = crate::cgo::c_view(bytes);
    let _ = crate::pycookie::decode_utf7(bytes);
    let _ = crate::pycookie::decode_unicode_escape(bytes, false);
    let _ = crate::pycookie::decode_unicode_escape(bytes, true);
}

#[test]
fn truncated_and_flipped_samples_never_panic() {
    const BYTES: [u8; 14] =
        [b'\\', b'"', b'\'', b'/', b'*', b'\n', b'\r', 0, b'u', b'+', b'-', b'#', b'(', 0xff];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    for (path, text) in SAMPLES {
        let bytes = text.as_bytes();
        for cut in 0..=bytes.len() {
            scan(path, &bytes[..cut]);
        }
        for _ in 0..300 {
            let mut b = bytes.to_vec();
            for _ in 0..1 + next(4) {
                let at = next(b.len());
                b[at] = BYTES[next(BYTES.len())];
            }
            scan(path, &b);
        }
    }
}

#[test]
fn deep_nesting_and_long_runs_end() {
    for (path, unit) in [
        ("lib.rs", "/* "),
        ("a.js", "if ("),
        ("a.js", "<!-- "),
        ("A.java", "\\u0022"),
        ("x.py", "+AAo-"),
        ("Makefile", "# \\\n"),
        ("main.go", "/*\n"),
        ("k.h", "#define if(c) "),
    ] {
        let text = unit.repeat(50_000);
        scan(path, text.as_bytes());
    }
}
