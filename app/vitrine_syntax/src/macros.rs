//! Blanks out attribute-like macros in C and C++ before parsing (`BOOST_FORCEINLINE`, `BOOST_NOEXCEPT`,
//! `__init`, `__user`), which the grammar cannot know are empty and which otherwise turn whole
//! definitions into ERROR nodes. The code is not preprocessed: a token is replaced by spaces of the
//! same length only where its position shows it cannot be a type or a value, so byte offsets, lines
//! and columns stay those of the real file.

/// Kernel annotations that expand to attributes or nothing.
fn is_kernel_annotation(w: &[u8]) -> bool {
    matches!(
        w,
        b"__init"
            | b"__exit"
            | b"__user"
            | b"__iomem"
            | b"__rcu"
            | b"__percpu"
            | b"__must_check"
            | b"__always_inline"
            | b"noinline"
            | b"asmlinkage"
            | b"__cold"
            | b"__maybe_unused"
            | b"__ro_after_init"
            | b"__initdata"
            | b"__initconst"
            | b"__exitdata"
            | b"__read_mostly"
            | b"notrace"
            | b"__weak"
            | b"__visible"
            | b"__sched"
            | b"__net_init"
            | b"__net_exit"
            | b"__kprobes"
            | b"__noreturn"
            | b"__packed"
            | b"__force"
            | b"__bitwise"
            | b"__latent_entropy"
            | b"__randomize_layout"
            | b"__counted_by_placeholder"
            | b"__always_unused"
            | b"__refdata"
            | b"__cacheline_aligned"
            | b"__cacheline_aligned_in_smp"
    )
}

/// Kernel lock annotations written after a function's signature, `void f(struct s *s)
/// __acquires(&s->lock)`, whose argument is an expression (so `attribute_invocation` does not take
/// them): they expand to nothing outside sparse.
const KERNEL_LOCK_ANNOTATIONS: &[&[u8]] = &[b"__acquires", b"__releases", b"__must_hold"];

/// A copy of `source` with attribute-like macros replaced by spaces, or `None` when there are none.
pub fn neutralize(source: &[u8]) -> Option<Vec<u8>> {
    let mut blank: Vec<(usize, usize)> = Vec::new();
    let tokens = tokenize(source, &mut blank);
    let text = |t: &Token| source.get(t.start..t.end).unwrap_or_default();
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != Kind::Ident {
            continue;
        }
        let word = text(t);
        let next = tokens.get(i + 1);
        let next_text = next.map(text).unwrap_or_default();
        if calling_convention_in_pointer_declarator(source, &tokens, i) {
            blank.push((t.start, t.end));
            continue;
        }
        if next_text == b"(" {
            let prev = i.checked_sub(1).and_then(|p| tokens.get(p)).map(text).unwrap_or_default();
            // `typedef __attribute__((aligned(1))) xxh_u64 xxh_unalign64;`: the grammar takes an
            // attribute right after `typedef` for the type.
            if prev == b"typedef"
                && matches!(word, b"__attribute__" | b"__attribute")
                && let Some(close) = double_parenthesized(source, &tokens, i).and_then(|c| tokens.get(c))
            {
                blank.push((t.start, close.end));
                continue;
            }
            if KERNEL_LOCK_ANNOTATIONS.contains(&word)
                && (prev == b")"
                    || blank.last().is_some_and(|&(_, e)| tokens.get(i - 1).is_some_and(|p| p.end == e)))
                && let Some(end) = matching_paren(source, &tokens, i + 1)
            {
                blank.push((t.start, end));
                continue;
            }
            // After another attribute (`lzma_attribute((__malloc__)) lzma_attr_alloc_size(1)`),
            // a lower-case name with numeric arguments is one too.
            let after_attribute =
                i > 0 && blank.last().is_some_and(|&(_, e)| tokens.get(i - 1).is_some_and(|p| p.end == e));
            if let Some(end) = attribute_invocation(source, &tokens, i, after_attribute) {
                blank.push((t.start, end));
            }
            continue;
        }
        if is_kernel_annotation(word) || attribute_before_tag(source, &tokens, i) {
            blank.push((t.start, t.end));
            continue;
        }
        if !is_macro_like(word) && !is_bare_specifier(word) {
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p)).map(text).unwrap_or_default();
        let prev2 = i.checked_sub(2).and_then(|p| tokens.get(p)).map(text).unwrap_or_default();
        if matches!(
            prev,
            b"typedef" | b"struct" | b"class" | b"union" | b"enum" | b"::" | b"." | b"->" | b"#"
        ) {
            continue;
        }
        if is_specifier_name(word) {
            blank.push((t.start, t.end));
            continue;
        }
        let next2 = tokens.get(i + 2);
        let next2_text = next2.map(text).unwrap_or_default();
        let next_is_ident = next.is_some_and(|n| n.kind == Kind::Ident);
        // `MACRO type name(`: a leading specifier before a declaration.
        let leading = next_is_ident
            && (next2.is_some_and(|n| n.kind == Kind::Ident)
                || matches!(next2_text, b"*" | b"&" | b"&&" | b"::" | b"<"));
        // `) const MACRO {` / `) MACRO;` / `class X MACRO : base`: a trailing specifier.
        let after_signature = prev == b")"
            || matches!(prev, b"const" | b"volatile" | b"override" | b"final" | b"noexcept" | b"&" | b"&&")
            || blank.last().is_some_and(|&(_, e)| tokens.get(i - 1).is_some_and(|p| p.end == e));
        let trailing = after_signature
            && (matches!(next_text, b"{" | b";" | b"=" | b":" | b"->")
                || next.is_some_and(|n| n.kind == Kind::Ident && is_macro_like(text(n))));
        let class_name = matches!(prev2, b"class" | b"struct") && matches!(next_text, b":" | b"{");
        // `pcre2_code * PCRE2_CALL_CONVENTION` then `pcre2_compile(`: a calling convention between
        // the return type's `*` and the name (two names in a row cannot be an expression).
        let before_name = matches!(prev, b"*" | b"&")
            && next_is_ident
            && next2_text == b"("
            && next.is_some_and(|n| !crate::symbols::is_c_keyword_bytes(text(n)));
        if leading || trailing || class_name || before_name {
            blank.push((t.start, t.end));
        }
    }
    blank.extend(extra_specifier_words(source, &tokens));
    if blank.is_empty() {
        return None;
    }
    let mut out = source.to_vec();
    for (s, e) in blank {
        if let Some(slice) = out.get_mut(s..e) {
            slice.fill(b' ');
        }
    }
    Some(out)
}

/// A calling-convention macro in a function pointer's declarator after a return type that is a
/// name, `typedef LONG (APIENTRY *BCRYPTGENRANDOM_FN)(…)` or `LONG (WINAPI *pfn)(void);`: with a name
/// before the parenthesis the grammar reads `LONG (APIENTRY *X)` as a macro invocation, and the
/// typedef is lost. The shape `NAME ( WORD * NAME ) (` declares a pointer to a function; blanked, the
/// word leaves `LONG (*X)(…)`.
fn calling_convention_in_pointer_declarator(source: &[u8], tokens: &[Token], i: usize) -> bool {
    let text = |k: usize| tokens.get(k).and_then(|t| source.get(t.start..t.end)).unwrap_or_default();
    let is_ident = |k: usize| tokens.get(k).is_some_and(|t| t.kind == Kind::Ident);
    let Some(before) = i.checked_sub(2) else { return false };
    // The shape first, then the word: this runs for every identifier of every file, and the shape
    // rules out nearly all of them with a few token compares (looking at the word's letters first
    // was 2% of the window's cold-build CPU on Linux).
    let shape = text(i - 1) == b"("
        && text(i + 1) == b"*"
        && text(i + 3) == b")"
        && text(i + 4) == b"("
        && is_ident(before)
        && is_ident(i + 2)
        && !crate::symbols::is_c_keyword_bytes(text(before));
    if !shape {
        return false;
    }
    let word = text(i);
    let upper = word.len() > 1
        && word.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        && word.iter().any(u8::is_ascii_uppercase);
    let named_so =
        [b"call".as_slice(), b"cdecl", b"api"].iter().any(|p| word.windows(p.len()).any(|w| w == *p));
    upper || word.starts_with(b"__") || named_so
}

/// An attribute macro of any case before `struct`, `union` or `enum` among a declaration's
/// specifiers (SQLite's `static ALIGN128 union staticMutex {` inside a function, mimalloc's
/// `typedef mi_decl_bchunk_align struct mi_bchunk_s {`): no type can stand there, and the grammar
/// reads the rest as a function definition.
fn attribute_before_tag(source: &[u8], tokens: &[Token], i: usize) -> bool {
    let text = |k: usize| tokens.get(k).and_then(|t| source.get(t.start..t.end)).unwrap_or_default();
    let word = text(i);
    if !matches!(text(i + 1), b"struct" | b"union" | b"enum")
        || is_specifier_keyword(word)
        || is_type_keyword(word)
        || ends_specifiers(word)
    {
        return false;
    }
    let Some(p) = i.checked_sub(1) else { return true };
    let prev = text(p);
    prev == b"typedef" || is_specifier_keyword(prev) || matches!(prev, b";" | b"{" | b"}")
}

/// Keywords that may stand among a declaration's specifiers before the declared name.
fn is_specifier_keyword(w: &[u8]) -> bool {
    matches!(
        w,
        b"static"
            | b"extern"
            | b"inline"
            | b"__inline"
            | b"__inline__"
            | b"const"
            | b"volatile"
            | b"register"
            | b"restrict"
            | b"__restrict"
            | b"_Noreturn"
            | b"__extension__"
            | b"_Thread_local"
            | b"thread_local"
            | b"virtual"
            | b"explicit"
            | b"constexpr"
            | b"friend"
            | b"mutable"
    )
}

/// Keywords that name a type by themselves.
fn is_type_keyword(w: &[u8]) -> bool {
    matches!(
        w,
        b"void"
            | b"char"
            | b"short"
            | b"int"
            | b"long"
            | b"float"
            | b"double"
            | b"signed"
            | b"unsigned"
            | b"_Bool"
            | b"bool"
            | b"wchar_t"
            | b"char8_t"
            | b"char16_t"
            | b"char32_t"
            | b"auto"
            | b"__int128"
            | b"_Complex"
    )
}

/// Lower-case attribute macros among a function's specifiers (OpenSSL's `static ossl_inline
/// ossl_unused BIO_POLL_DESCRIPTOR SSL_as_poll_descriptor(`): a declaration names at most one type
/// with an identifier, so of the identifiers between the start of a declaration and the declared
/// name, all but the type are attributes (all of them when a keyword names the type). Declarations
/// that name a `struct`, `union`, `enum` or `class`, or a qualified or template type, are left alone.
fn extra_specifier_words(source: &[u8], tokens: &[Token]) -> Vec<(usize, usize)> {
    let text = |t: &Token| source.get(t.start..t.end).unwrap_or_default();
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != Kind::Ident || tokens.get(i + 1).map(text) != Some(&b"("[..]) {
            continue;
        }
        // Back from the declared name over `*` and qualifiers, then over the specifiers, to the end
        // of the previous statement (or the start of the file).
        let mut words: Vec<&Token> = Vec::new();
        let mut keyword_type = false;
        let mut j = i;
        let mut at_boundary = false;
        while let Some(p) = j.checked_sub(1) {
            let Some(prev) = tokens.get(p) else { break };
            let w = text(prev);
            if matches!(w, b";" | b"{" | b"}") {
                at_boundary = true;
                break;
            }
            if prev.kind != Kind::Ident {
                if w == b"*" && words.is_empty() {
                    j = p;
                    continue;
                }
                // `STACK_OF(X509_NAME) *name(`: a type written as a macro invocation.
                if w == b")"
                    && words.is_empty()
                    && !keyword_type
                    && let Some(m) = macro_type_before(source, tokens, p)
                {
                    words.push(tokens.get(m).unwrap_or(prev));
                    j = m;
                    continue;
                }
                break;
            }
            if is_type_keyword(w) {
                keyword_type = true;
            } else if !is_specifier_keyword(w) {
                if ends_specifiers(w) {
                    break;
                }
                words.push(prev);
            }
            j = p;
        }
        if j == 0 && !at_boundary {
            at_boundary = true;
        }
        let attributes = if keyword_type { words.len() } else { words.len().saturating_sub(1) };
        if !at_boundary || attributes == 0 {
            continue;
        }
        // `words` runs from the name back: the type is the first found unless a keyword names it.
        let skip = usize::from(!keyword_type);
        out.extend(words.iter().skip(skip).map(|w| (w.start, w.end)));
    }
    out
}

/// The index of `NAME` in `NAME(word)` when the `)` at `close` ends a macro-like invocation of one
/// identifier (`STACK_OF(X509_NAME)`, `LHASH_OF(OPENSSL_STRING)`), which stands for a type.
fn macro_type_before(source: &[u8], tokens: &[Token], close: usize) -> Option<usize> {
    let text = |t: &Token| source.get(t.start..t.end).unwrap_or_default();
    let arg = tokens.get(close.checked_sub(1)?)?;
    let open = tokens.get(close.checked_sub(2)?)?;
    let name_at = close.checked_sub(3)?;
    let name = tokens.get(name_at)?;
    (arg.kind == Kind::Ident && text(open) == b"(" && name.kind == Kind::Ident && is_macro_like(text(name)))
        .then_some(name_at)
}

/// Keywords (and keyword-like names) that cannot stand among plain specifiers: a declaration
/// holding one is not read here.
fn ends_specifiers(w: &[u8]) -> bool {
    crate::symbols::is_c_keyword_bytes(w)
        || matches!(
            w,
            b"typedef"
                | b"class"
                | b"typename"
                | b"template"
                | b"using"
                | b"namespace"
                | b"operator"
                | b"new"
                | b"delete"
                | b"throw"
                | b"public"
                | b"private"
                | b"protected"
                | b"co_return"
                | b"co_yield"
                | b"co_await"
                | b"decltype"
                | b"alignof"
                | b"static_assert"
                | b"_Static_assert"
                | b"__attribute__"
                | b"__declspec"
                | b"asm"
                | b"__asm__"
                | b"noexcept"
                | b"override"
                | b"final"
                | b"requires"
                | b"concept"
        )
}

/// The end of an attribute macro invoked before a declarator, `__printf(4, 5)`, `__aligned(8)` or
/// `__section(".init.text")`, when the identifier at `i` starts one: a `__name` or a macro-like name
/// whose arguments are only numbers and strings, followed by a name or `*`. A call is never followed
/// by a name, and a K&R parameter list holds names, so neither is taken.
fn attribute_invocation(source: &[u8], tokens: &[Token], i: usize, after_attribute: bool) -> Option<usize> {
    let text = |t: &Token| source.get(t.start..t.end).unwrap_or_default();
    let word = text(tokens.get(i)?);
    if let Some(close) = double_parenthesized(source, tokens, i) {
        // `lzma_attribute((__noreturn__))`: a macro handing its argument to `__attribute__`, of any
        // case (the grammar knows `__attribute__` itself, and keywords such as `sizeof((x))`
        // are no attributes).
        if ends_specifiers(word) || word.starts_with(b"__attribute") {
            return None;
        }
        // Among a declaration's specifiers (after a type or a specifier, or first in it), not in
        // an expression (`x = f((a)) * b`, `return f((a)) * b`).
        // Among a declaration's specifiers (after a type, a specifier or `*`, or first in it) and
        // before its declarator, or after a declared name (xz's parameters `size_t in_size
        // lzma_attribute((__unused__)),`); not in an expression (`x = f((a)) * b`, `return f((a))`).
        let after = tokens.get(close + 1)?;
        let after_text = text(after);
        let declarator = after.kind == Kind::Ident || after_text == b"*";
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        let ok = match prev {
            Some(p) if p.kind == Kind::Ident => {
                !matches!(
                    text(p),
                    b"return" | b"case" | b"else" | b"do" | b"goto" | b"sizeof" | b"if" | b"while" | b"for"
                ) && (declarator || matches!(after_text, b"," | b")" | b";" | b"="))
            }
            Some(p) => matches!(text(p), b";" | b"{" | b"}" | b"*") && after.kind == Kind::Ident,
            None => after.kind == Kind::Ident,
        };
        return ok.then_some(tokens.get(close)?.end);
    }
    // (A lower-case name after an attribute takes at least one argument: `ptr()` after a blanked
    // `BOOST_CONSTEXPR` is a constructor.)
    let has_argument = tokens.get(i + 2).is_some_and(|t| text(t) != b")");
    if !(word.starts_with(b"__") || is_macro_like(word) || (after_attribute && has_argument)) {
        return None;
    }
    let mut j = i + 2;
    loop {
        let t = tokens.get(j)?;
        match text(t) {
            b")" => break,
            b"," => {}
            w if w.first().is_some_and(u8::is_ascii_digit) => {}
            _ => return None,
        }
        j += 1;
    }
    let close = tokens.get(j)?;
    let after = tokens.get(j + 1)?;
    (after.kind == Kind::Ident || text(after) == b"*").then_some(close.end)
}

/// The index of the `)` that closes `NAME((…))` when the identifier at `i` is invoked with one
/// parenthesized argument and nothing else.
fn double_parenthesized(source: &[u8], tokens: &[Token], i: usize) -> Option<usize> {
    let text = |k: usize| tokens.get(k).and_then(|t| source.get(t.start..t.end)).unwrap_or_default();
    if text(i + 1) != b"(" || text(i + 2) != b"(" {
        return None;
    }
    let mut depth = 0usize;
    for k in i + 1..i + 256 {
        match text(k) {
            b"(" => depth += 1,
            b")" => {
                depth = depth.checked_sub(1)?;
                if depth == 1 {
                    // The inner group closed: the invocation must close with it.
                    return (text(k + 1) == b")").then_some(k + 1);
                }
            }
            b";" | b"{" | b"}" | b"" => return None,
            _ => {}
        }
    }
    None
}

/// The end of the parenthesis that closes the `(` token at `open` (within a few hundred tokens).
fn matching_paren(source: &[u8], tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for t in tokens.get(open..)?.iter().take(256) {
        match source.get(t.start..t.end)? {
            b"(" => depth += 1,
            b")" => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(t.end);
                }
            }
            b";" | b"{" | b"}" => return None,
            _ => {}
        }
    }
    None
}

/// Macro names that say they are specifiers wherever they appear (`BOOST_CONSTEXPR`,
/// `BOOST_FUSION_GPU_ENABLED`, `FOO_API`, `BAR_NOEXCEPT`).
fn is_specifier_name(word: &[u8]) -> bool {
    // Compared as bytes, window by window: the names are short (a string search per part, with its
    // setup, cost more than the whole name does; Linux has millions of upper-case words).
    const PARTS: &[&[u8]] = &[
        b"INLINE",
        b"CONSTEXPR",
        b"NOEXCEPT",
        b"NODISCARD",
        b"DEPRECATED",
        b"GPU_ENABLED",
        b"_DECL",
        b"_API",
        b"_EXPORT",
        b"_IMPORT",
        b"_VISIBLE",
        b"_VISIBILITY",
        b"NORETURN",
        b"OVERRIDE",
        b"_FINAL",
        b"_NOTHROW",
        b"_MAY_ALIAS",
        b"_HOST_DEVICE",
        b"_ATTRIBUTE_UNUSED",
        b"_UNUSED",
        b"_FORCEINLINE",
        b"_NO_SANITIZE",
    ];
    is_macro_like(word) && PARTS.iter().any(|p| word.windows(p.len()).any(|w| w == *p))
}

/// Specifier macros named by one upper-case word (bzip2's `static void panic(const Char *)
/// NORETURN;`, `INLINE int f(`): not macro-like (short type names are single words too), so they
/// are taken only where a specifier stands, before a declaration or after a signature.
fn is_bare_specifier(word: &[u8]) -> bool {
    matches!(
        word,
        b"NORETURN"
            | b"INLINE"
            | b"FORCEINLINE"
            | b"NOINLINE"
            | b"NOEXCEPT"
            | b"NODISCARD"
            | b"DEPRECATED"
            | b"CONSTEXPR"
            | b"NOTHROW"
    )
}

/// `BOOST_FORCEINLINE`, `MY_API`: upper case, digits and underscores, with an underscore or long
/// enough not to be a short type name such as `T` or `U8`.
fn is_macro_like(word: &[u8]) -> bool {
    word.len() >= 4
        && word.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        && word.first().is_some_and(|b| b.is_ascii_uppercase() || *b == b'_')
        && word.contains(&b'_')
}

/// The name of a GNU named variadic parameter (`args` of `#define dbg(fmt, args...) …`) in the
/// directive `line` (offsets in it). The grammar knows only `...`: the name made the whole
/// definition an ERROR (one in seven of the Linux files whose trees hold errors). Blanked, the
/// definition parses with its name and parameters; its body is text to the grammar either way.
fn named_variadic(line: &[u8]) -> Option<(usize, usize)> {
    let after_hash = line.get(1..)?;
    let directive = after_hash.trim_ascii_start();
    let rest = directive.strip_prefix(b"define")?;
    let offset = line.len() - rest.len();
    // `#define NAME(`: the parameter list follows the name with no blank.
    let rest_trimmed = rest.trim_ascii_start();
    if rest_trimmed.len() == rest.len() {
        return None;
    }
    let name_len = rest_trimmed.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
    let open = offset + (rest.len() - rest_trimmed.len()) + name_len;
    if name_len == 0 || line.get(open) != Some(&b'(') {
        return None;
    }
    let close = open + memchr::memchr(b')', line.get(open..)?)?;
    let params = line.get(open + 1..close)?;
    let dots = memchr::memmem::find(params, b"...")?;
    let before = params.get(..dots)?;
    let name_end = before.len() - (before.len() - before.trim_ascii_end().len());
    let name_start = before[..name_end]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .map_or(0, |p| p + 1);
    (name_start < name_end).then_some((open + 1 + name_start, open + 1 + name_end))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Punct,
}

#[derive(Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Identifiers and punctuation, skipping comments, literals and preprocessor lines (macro
/// definitions are left as written, but for the names of GNU named variadic parameters, which go
/// into `blank`: see [`named_variadic`]).
fn tokenize(s: &[u8], blank: &mut Vec<(usize, usize)>) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut line_start = true;
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    while i < s.len() {
        let c = at(i);
        if c == b'\n' {
            line_start = true;
            i += 1;
            continue;
        }
        if c == b' ' || c == b'\t' || c == b'\r' {
            i += 1;
            continue;
        }
        if line_start && c == b'#' {
            // A preprocessor line, with its backslash continuations.
            let hash = i;
            i = crate::skim::directive_end(s, i, &mut 0, &mut 0);
            blank.extend(
                named_variadic(s.get(hash..i).unwrap_or_default()).map(|(a, b)| (hash + a, hash + b)),
            );
            continue;
        }
        line_start = false;
        if c == b'/' && at(i + 1) == b'/' {
            i = crate::skim::line_end(s, i, s.len());
            continue;
        }
        if c == b'/' && at(i + 1) == b'*' {
            i = crate::skim::comment_close(s, i + 2, s.len()) + 2;
            continue;
        }
        if c == b'"' || c == b'\'' {
            i = crate::skim::literal_end(s, i, s.len());
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            i = crate::skim::run_end(s, i, s.len(), crate::skim::WORD);
            out.push(Token { kind: Kind::Ident, start, end: i });
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < s.len() && (at(i).is_ascii_alphanumeric() || at(i) == b'.' || at(i) == b'\'') {
                i += 1;
            }
            out.push(Token { kind: Kind::Punct, start, end: i });
            continue;
        }
        let two = [c, at(i + 1)];
        let len = if matches!(&two, b"::" | b"->" | b"&&") { 2 } else { 1 };
        out.push(Token { kind: Kind::Punct, start: i, end: i + len });
        i += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> String {
        neutralize(src.as_bytes()).map(|v| String::from_utf8(v).unwrap()).unwrap_or_else(|| src.to_string())
    }

    /// A specifier part anywhere in a macro-like name marks it, at the start, inside or at the end;
    /// a name that only comes close, or that is not macro-like, is not marked.
    #[test]
    fn specifier_names_are_found_by_their_parts() {
        for name in
            ["BOOST_FORCEINLINE", "INLINE_X", "FOO_API", "MY_API_V2", "X_NO_SANITIZE_ADDRESS", "GPU_ENABLED_"]
        {
            assert!(is_specifier_name(name.as_bytes()), "{name}");
        }
        for name in ["FOO_AP", "FOO_AAPI", "_AP_I", "INLIN_E", "Foo_API", "BOOST", "API_"] {
            assert!(!is_specifier_name(name.as_bytes()), "{name}");
        }
    }

    /// Sparse's lock annotations after a signature are blanked with their argument, before a body
    /// or a `;`; a call of the same name inside an expression is not.
    /// Calling conventions inside a declarator: between a return type's `*` and the name (PCRE2's
    /// `pcre2_code * PCRE2_CALL_CONVENTION` then `pcre2_compile(`), and before the `*` of a pointer to
    /// a function after a return type that is a name (`typedef LONG (APIENTRY *FN)(…)`).
    #[test]
    fn calling_conventions_in_declarators_are_blanked() {
        let cases = [
            (
                "PCRE2_EXP_DEFN pcre2_code * PCRE2_CALL_CONVENTION\npcre2_compile(PCRE2_SPTR p)\n{\n}\n",
                &["PCRE2_EXP_DEFN", "PCRE2_CALL_CONVENTION"][..],
            ),
            ("typedef LONG (APIENTRY *FN)\n  (void *h, ULONG f);\n", &["APIENTRY"][..]),
            ("LONG (WINAPI *pfn)(void);\n", &["WINAPI"][..]),
            ("typedef DWORD (mi_cdecl *out_fun)(int);\n", &["mi_cdecl"][..]),
        ];
        for (src, words) in cases {
            let want = words.iter().fold(src.to_string(), |s, w| s.replacen(w, &" ".repeat(w.len()), 1));
            let got = neutralize(src.as_bytes()).map(|b| String::from_utf8(b).unwrap());
            assert_eq!(got.as_deref(), Some(want.as_str()), "{src}");
        }
        // Expressions of the same shapes are left alone.
        for src in ["int f(void) { return (A * b)(c) + sizeof(T * p); }\n", "x = a * b(c);\n"] {
            assert_eq!(neutralize(src.as_bytes()), None, "{src}");
        }
    }

    #[test]
    fn lock_annotations_after_a_signature_are_blanked() {
        let blanked = |src: &str, what: &[&str]| {
            what.iter().fold(src.to_string(), |s, w| s.replacen(w, &" ".repeat(w.len()), 1))
        };
        let f = "void f(struct s *s) __acquires(&s->lock)\n{\n}\n";
        assert_eq!(run(f), blanked(f, &["__acquires(&s->lock)"]));
        let g = "void g(void) __releases(a) __acquires(b);\n";
        assert_eq!(run(g), blanked(g, &["__releases(a)", "__acquires(b)"]));
        assert_eq!(run("x = __acquires(y);\n"), "x = __acquires(y);\n");
        let v = "static int v __always_unused;\n";
        assert_eq!(run(v), blanked(v, &["__always_unused"]));
    }

    /// A GNU named variadic parameter is blanked (the grammar knows only `...`); the macro's name,
    /// its other parameters, `...` and its body stay as written.
    #[test]
    fn named_variadic_parameters_are_blanked() {
        assert_eq!(
            run("#define dbg(fmt, args...) pr_debug(fmt, ##args)\nint x;\n"),
            "#define dbg(fmt,     ...) pr_debug(fmt, ##args)\nint x;\n"
        );
        assert_eq!(run("#  define P(arg ...) f(arg)\n"), "#  define P(    ...) f(arg)\n");
        for kept in [
            "#define V(fmt, ...) f(fmt, __VA_ARGS__)\n",
            "#define N (a...)\n",
            "#define D(x) x...\n",
            "#include <args...>\n",
        ] {
            assert_eq!(run(kept), kept);
        }
        let src = b"#define dbg(fmt, args...) pr_debug(fmt, ##args)\nstatic int f(void);\n";
        let tree = crate::symbols::debug::debug_tree(crate::Language::C, &neutralize(src).unwrap()).unwrap();
        assert!(!tree.contains("ERROR"), "{tree}");
        let before = crate::symbols::debug::debug_tree(crate::Language::C, src).unwrap();
        assert!(before.contains("ERROR"), "the grammar must still refuse the name: {before}");
    }

    #[test]
    fn blanks_specifier_macros_keeping_offsets() {
        let src = "static BOOST_FORCEINLINE bool add(int v) BOOST_NOEXCEPT\n{ return v; }\n";
        let out = run(src);
        assert_eq!(out.len(), src.len());
        assert_eq!(out, "static                   bool add(int v)               \n{ return v; }\n");
        assert_eq!(
            run("BOOST_UBLAS_INLINE\nconst_iterator find2 (int i) const {"),
            "                  \nconst_iterator find2 (int i) const {"
        );
        assert_eq!(
            run("auto cend()const BOOST_NOEXCEPT{return 1;}"),
            "auto cend()const               {return 1;}"
        );
        assert_eq!(run("class any BOOST_FINAL : public base {"), "class any             : public base {");
        assert_eq!(run("static int __init demo(char __user *p)"), "static int        demo(char        *p)");
        assert_eq!(
            run("static void __printf(4, 5)\nreport(int l, const char *f, ...)"),
            format!("static void {}\nreport(int l, const char *f, ...)", " ".repeat(14))
        );
        assert_eq!(
            run("static ossl_inline ossl_unused BIO_POLL_DESCRIPTOR\nSSL_as_poll_descriptor(SSL *s)"),
            format!("static {} BIO_POLL_DESCRIPTOR\nSSL_as_poll_descriptor(SSL *s)", " ".repeat(23))
        );
        assert_eq!(
            run("}\nstatic ossl_unused ossl_inline int ssl_tsan_lock(const SSL_CTX *ctx)"),
            format!("}}\nstatic {} int ssl_tsan_lock(const SSL_CTX *ctx)", " ".repeat(23))
        );
        assert_eq!(run("int __section(\".x\") early(void)"), format!("int {} early(void)", " ".repeat(15)));
        assert_eq!(
            run("{\n  static ALIGN128 union staticMutex {\n"),
            "{\n  static          union staticMutex {\n"
        );
        assert_eq!(
            run("typedef __attribute__((aligned(1))) xxh_u64 xxh_unalign64;"),
            format!("typedef {} xxh_u64 xxh_unalign64;", " ".repeat(27))
        );
        assert_eq!(
            run("typedef mi_decl_bchunk_align struct mi_bchunk_s {"),
            format!("typedef {} struct mi_bchunk_s {{", " ".repeat(20))
        );
        assert_eq!(
            run("static void lzma_attribute((__noreturn__))\nhelp(void)"),
            format!("static void {}\nhelp(void)", " ".repeat(30))
        );
        assert_eq!(
            run("extern void * lzma_attribute((__malloc__)) lzma_attr_alloc_size(1)\nlzma_alloc(size_t s)"),
            format!("extern void * {}\nlzma_alloc(size_t s)", " ".repeat(52))
        );
        assert_eq!(
            run(
                "int f(const uint8_t *in lzma_attribute((__unused__)),\n size_t n lzma_attribute((__unused__)))"
            ),
            format!("int f(const uint8_t *in {},\n size_t n {})", " ".repeat(28), " ".repeat(28))
        );
        assert_eq!(
            run("static void panic(const Char *) NORETURN;\nINLINE int f(void);"),
            "static void panic(const Char *)         ;\n       int f(void);"
        );
        assert_eq!(
            run("BOOST_CONSTEXPR ptr() BOOST_SP_NOEXCEPT : px(0) {}"),
            "                ptr()                   : px(0) {}"
        );
    }

    #[test]
    fn leaves_types_values_calls_and_definitions_alone() {
        for src in [
            "#define BOOST_FORCEINLINE inline __attribute__((always_inline))\n",
            "int x = MAX_SIZE;\n",
            "HANDLE h;\n",
            "DWORD get(HANDLE h) { return 0; }\n",
            "typedef MY_TYPE alias_t;\n",
            "BOOST_STATIC_ASSERT(sizeof(int) == 4);\n",
            "struct MY_STRUCT s;\n",
            "x = FOO_A + FOO_B;\n",
            "BOOST_NOEXCEPT_IF(true)\n",
            "int old_style(a, b) int a; int b; { return a; }\n",
            "if (__builtin_expect(x, 0)) return;\n",
            "__printf(1, 2);\n",
            "typedef int handler_fn(int);\n",
            "static const struct ops *pick(int);\n",
            "static std::string name(int);\n",
            "MyClass obj(1, 2);\n",
            "x = a * b(c);\n",
            "return wrap(x);\n",
            "static inline u32 read_reg(void *p);\n",
            "// BOOST_FORCEINLINE bool f in a comment\n",
            "const char *s = \"BOOST_FORCEINLINE bool f\";\n",
            "x = f((a + b)) * c;\n",
            "return f((a)) * c;\n",
            "g(a, f((b)), c);\n",
            "x = y * f((b));\n",
            "int x = sizeof((a)) * 2;\n",
            "static void __attribute__((noreturn)) die(void);\n",
            "case NORETURN: break;\n",
            "x = INLINE;\n",
            "static const struct ops *o;\n",
            "typedef struct s s_t;\n",
            "int f(a) struct s *a; { return 0; }\n",
            "x = sizeof(struct s);\n",
        ] {
            assert_eq!(run(src), src, "{src}");
        }
    }
}
