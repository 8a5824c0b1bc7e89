; References in C++. One name may match several patterns: the extractor keeps the most specific
; (call, then field, then type, then other).

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (qualified_identifier name: (_) @name)) @reference.call
(call_expression function: (template_function name: (identifier) @name)) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call
(call_expression function: (field_expression field: (template_method name: (field_identifier) @name))) @reference.call
(new_expression type: (type_identifier) @name) @reference.call
(field_expression field: (field_identifier) @name) @reference.field
(field_initializer (field_identifier) @name) @reference.field
(field_designator (field_identifier) @name) @reference.field
(type_identifier) @name @reference.type
(namespace_identifier) @name @reference.type
(identifier) @name @reference.other
