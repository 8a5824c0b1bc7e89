; References in Java; the most specific classification of a name wins.
(method_invocation name: (identifier) @name) @reference.call
(object_creation_expression type: (type_identifier) @name) @reference.call
(field_access field: (identifier) @name) @reference.field
(type_identifier) @name @reference.type
(identifier) @name @reference.other
