//! Which language a file is written in: by extension, then by its first line (shebang or modeline),
//! and for `.h` by its content (C or C++).

use serde::{Deserialize, Serialize};

/// A language with a tree-sitter grammar and symbol queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    C,
    Cpp,
    Rust,
    Python,
    Java,
    Go,
    JavaScript,
    TypeScript,
    Tsx,
    CSharp,
}

impl Language {
    /// Every language, in a stable order (used to number them in the persisted index).
    pub const ALL: [Language; 10] = [
        Language::C,
        Language::Cpp,
        Language::Rust,
        Language::Python,
        Language::Java,
        Language::Go,
        Language::JavaScript,
        Language::TypeScript,
        Language::Tsx,
        Language::CSharp,
    ];

    /// A short lowercase name, as used by `lang:` filters and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::C => "c",
            Language::Cpp => "cpp",
            Language::Rust => "rust",
            Language::Python => "python",
            Language::Java => "java",
            Language::Go => "go",
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::CSharp => "csharp",
        }
    }

    /// Parses the name `as_str` returns, plus a few common aliases.
    pub fn from_name(name: &str) -> Option<Language> {
        let lower = name.to_ascii_lowercase();
        Some(match lower.as_str() {
            "c" => Language::C,
            "cpp" | "c++" | "cxx" | "cc" => Language::Cpp,
            "rust" | "rs" => Language::Rust,
            "python" | "py" | "python3" => Language::Python,
            "java" => Language::Java,
            "go" | "golang" => Language::Go,
            "javascript" | "js" | "node" => Language::JavaScript,
            "typescript" | "ts" => Language::TypeScript,
            "tsx" => Language::Tsx,
            "csharp" | "c#" | "cs" => Language::CSharp,
            _ => return None,
        })
    }

    /// Index in `ALL`.
    pub fn index(self) -> u8 {
        match self {
            Language::C => 0,
            Language::Cpp => 1,
            Language::Rust => 2,
            Language::Python => 3,
            Language::Java => 4,
            Language::Go => 5,
            Language::JavaScript => 6,
            Language::TypeScript => 7,
            Language::Tsx => 8,
            Language::CSharp => 9,
        }
    }

    /// The inverse of `index`.
    pub fn from_index(i: u8) -> Option<Language> {
        Language::ALL.get(usize::from(i)).copied()
    }
}

/// The language of a file from its path (extension or well-known name) and the first bytes of its
/// content (`head`; a few kilobytes are enough). `.h` is C++ when the content shows C++ constructs,
/// else C. Returns `None` for files with no grammar here.
pub fn language_for_path(path: &str, head: &[u8]) -> Option<Language> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if let Some(ext) = ext.as_deref() {
        let by_ext = match ext {
            "c" => Some(Language::C),
            "h" => Some(if looks_like_cpp(head) { Language::Cpp } else { Language::C }),
            "cc" | "cpp" | "cxx" | "c++" | "cp" | "hh" | "hpp" | "hxx" | "h++" | "ipp" | "tpp" | "inl"
            | "tcc" | "ixx" | "cppm" => Some(Language::Cpp),
            "rs" => Some(Language::Rust),
            "py" | "pyw" | "pyi" => Some(Language::Python),
            "java" => Some(Language::Java),
            "go" => Some(Language::Go),
            "js" | "mjs" | "cjs" | "jsx" => Some(Language::JavaScript),
            "ts" | "mts" | "cts" => Some(Language::TypeScript),
            "tsx" => Some(Language::Tsx),
            "cs" => Some(Language::CSharp),
            _ => None,
        };
        if by_ext.is_some() {
            return by_ext;
        }
    }
    language_from_first_line(head)
}

/// The language named by a shebang (`#!/usr/bin/env python3`) or an Emacs/Vim modeline on the first
/// line.
pub fn language_from_first_line(head: &[u8]) -> Option<Language> {
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len()).min(512);
    let first = String::from_utf8_lossy(head.get(..end).unwrap_or_default()).to_string();
    if let Some(rest) = first.strip_prefix("#!") {
        let mut words = rest.split_whitespace();
        let mut prog = words.next().unwrap_or_default().rsplit('/').next().unwrap_or_default();
        if prog == "env" {
            prog = words.find(|w| !w.starts_with('-')).unwrap_or_default();
        }
        let prog = prog.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        return match prog {
            "python" | "pypy" => Some(Language::Python),
            "node" | "nodejs" | "deno" | "bun" => Some(Language::JavaScript),
            "ts-node" => Some(Language::TypeScript),
            _ => None,
        };
    }
    modeline_language(&first)
}

/// Reads `-*- mode: c++ -*-`, `-*- C++ -*-` and `vim: set ft=cpp:` style modelines.
fn modeline_language(line: &str) -> Option<Language> {
    let lower = line.to_ascii_lowercase();
    if let Some(start) = lower.find("-*-") {
        let inner = lower.get(start + 3..)?;
        let inner = inner.split("-*-").next()?;
        let mode = match inner.find("mode:") {
            Some(i) => inner.get(i + 5..)?.split(';').next()?.trim(),
            None => inner.trim(),
        };
        return emacs_mode(mode);
    }
    for key in ["ft=", "filetype=", "syntax="] {
        if lower.contains("vim:")
            && let Some(i) = lower.find(key)
        {
            let v = lower.get(i + key.len()..)?;
            let v: String = v.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '+').collect();
            return Language::from_name(&v);
        }
    }
    None
}

fn emacs_mode(mode: &str) -> Option<Language> {
    match mode {
        "c" => Some(Language::C),
        "c++" => Some(Language::Cpp),
        "rust" => Some(Language::Rust),
        "python" => Some(Language::Python),
        "java" => Some(Language::Java),
        "go" => Some(Language::Go),
        "js" | "javascript" => Some(Language::JavaScript),
        "typescript" => Some(Language::TypeScript),
        "csharp" => Some(Language::CSharp),
        _ => None,
    }
}

/// Whether a header's content shows constructs only C++ has. Comments and strings are not stripped:
/// the markers are specific enough that prose rarely trips them.
fn looks_like_cpp(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head.get(..head.len().min(64 * 1024)).unwrap_or_default()).to_string();
    if let Some(first) = text.lines().next()
        && let Some(lang) = modeline_language(first)
    {
        return lang == Language::Cpp;
    }
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("//") || t.starts_with('*') || t.starts_with("/*") {
            continue;
        }
        if t.starts_with("namespace ")
            || t.starts_with("template<")
            || t.starts_with("template <")
            || t.starts_with("public:")
            || t.starts_with("private:")
            || t.starts_with("protected:")
            || t.starts_with("using namespace ")
            || t.contains("std::")
            || (t.starts_with("class ") && !t.ends_with(';'))
            || t.contains(" virtual ")
            || t.starts_with("virtual ")
            || is_cpp_std_include(t)
        {
            return true;
        }
    }
    false
}

/// `#include <vector>`: a standard header with no extension is a C++ one.
fn is_cpp_std_include(t: &str) -> bool {
    let Some(rest) = t.strip_prefix('#') else { return false };
    let Some(rest) = rest.trim_start().strip_prefix("include") else { return false };
    let Some(rest) = rest.trim_start().strip_prefix('<') else { return false };
    let Some((name, _)) = rest.split_once('>') else { return false };
    !name.contains('.') && !name.contains('/') && !name.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_decides_first() {
        assert_eq!(language_for_path("a/b/x.cc", b""), Some(Language::Cpp));
        assert_eq!(language_for_path("x.C", b""), Some(Language::C));
        assert_eq!(language_for_path("x.hpp", b""), Some(Language::Cpp));
        assert_eq!(language_for_path("lib.rs", b""), Some(Language::Rust));
        assert_eq!(language_for_path("x.tsx", b""), Some(Language::Tsx));
        assert_eq!(language_for_path("Prog.cs", b""), Some(Language::CSharp));
        assert_eq!(language_for_path("README", b"hello"), None);
    }

    #[test]
    fn header_is_decided_by_content() {
        assert_eq!(
            language_for_path("k.h", b"#ifndef K_H\nstruct k { int a; };\nint f(void);\n"),
            Some(Language::C)
        );
        assert_eq!(
            language_for_path("k.h", b"#pragma once\nnamespace foo {\nint f();\n}\n"),
            Some(Language::Cpp)
        );
        assert_eq!(language_for_path("k.h", b"#include <vector>\n"), Some(Language::Cpp));
        assert_eq!(language_for_path("k.h", b"template <typename T> T id(T);\n"), Some(Language::Cpp));
        assert_eq!(language_for_path("k.h", b"#include <stdio.h>\nclass X;\n"), Some(Language::C));
        assert_eq!(language_for_path("k.h", b"/* -*- C++ -*- */\nint x;\n"), Some(Language::Cpp));
    }

    #[test]
    fn shebang_and_modeline() {
        assert_eq!(
            language_for_path("bin/tool", b"#!/usr/bin/env python3\nprint(1)\n"),
            Some(Language::Python)
        );
        assert_eq!(language_for_path("bin/tool", b"#!/usr/bin/python3.11 -u\n"), Some(Language::Python));
        assert_eq!(
            language_for_path("bin/tool", b"#!/usr/bin/env -S node --x\n"),
            Some(Language::JavaScript)
        );
        assert_eq!(language_for_path("bin/tool", b"#!/bin/sh\n"), None);
        assert_eq!(
            language_for_path("x.inc", b"// -*- mode: c++; indent-tabs-mode: nil -*-\n"),
            Some(Language::Cpp)
        );
        assert_eq!(language_for_path("x.inc", b"/* vim: set ft=c: */\n"), Some(Language::C));
    }

    #[test]
    fn index_round_trips() {
        for l in Language::ALL {
            assert_eq!(Language::from_index(l.index()), Some(l));
            assert_eq!(Language::from_name(l.as_str()), Some(l));
        }
    }
}
