; References in Go; the most specific classification of a name wins.
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (selector_expression field: (field_identifier) @name)) @reference.call
(selector_expression field: (field_identifier) @name) @reference.field
(type_identifier) @name @reference.type
(identifier) @name @reference.other
