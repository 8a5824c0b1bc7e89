; References in JavaScript; the most specific classification of a name wins.
(call_expression function: (identifier) @name) @reference.call
(call_expression function: (member_expression property: (property_identifier) @name)) @reference.call
(new_expression constructor: (identifier) @name) @reference.call
(member_expression property: (property_identifier) @name) @reference.field
(identifier) @name @reference.other
