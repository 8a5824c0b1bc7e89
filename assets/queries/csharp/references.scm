; References in C#; the most specific classification of a name wins.
(invocation_expression function: (identifier) @name) @reference.call
(invocation_expression function: (member_access_expression name: (identifier) @name)) @reference.call
(object_creation_expression type: (identifier) @name) @reference.call
(member_access_expression name: (identifier) @name) @reference.field
(identifier) @name @reference.other
