; References in Rust; the most specific classification of a name wins.
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(call_expression function: (scoped_identifier name: (identifier) @name)) @reference.call
(call_expression function: (generic_function function: (identifier) @name)) @reference.call
(macro_invocation macro: (identifier) @name) @reference.call
(field_expression field: (field_identifier) @name) @reference.field
(type_identifier) @name @reference.type
(identifier) @name @reference.other
