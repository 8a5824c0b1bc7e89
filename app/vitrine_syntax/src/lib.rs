//! tree-sitter symbols (definitions, references, outline) and syntect highlighting as plain spans.
