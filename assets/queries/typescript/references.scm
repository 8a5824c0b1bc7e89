; References in TypeScript; the most specific classification of a name wins.
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (member_expression property: (property_identifier) @name)) @reference.call
(new_expression constructor: (identifier) @name) @reference.call
(member_expression property: (property_identifier) @name) @reference.field
(type_identifier) @name @reference.type
(identifier) @name @reference.other
