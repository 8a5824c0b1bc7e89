; References in Python; the most specific classification of a name wins.
(call function: (identifier) @name) @reference.call
(call function: (attribute attribute: (identifier) @name)) @reference.call
(attribute attribute: (identifier) @name) @reference.field
(identifier) @name @reference.other
