; References in Rust; the most specific classification of a name wins.
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(call_expression function: (scoped_identifier name: (identifier) @name)) @reference.call
(call_expression function: (generic_function function: (identifier) @name)) @reference.call
(macro_invocation macro: (identifier) @name) @reference.call
; Inside a macro's arguments (`println!("{}", auth::verify(7))`) the grammar has only tokens: a name
; followed by a parenthesized group is a call.
(token_tree (identifier) @name . (token_tree . "(")) @reference.call
(field_expression field: (field_identifier) @name) @reference.field
(type_identifier) @name @reference.type
(identifier) @name @reference.other
