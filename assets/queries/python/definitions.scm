; Definitions in Python. Functions in a class become methods; nested definitions are scoped by
; their enclosing function or class.
(function_definition name: (identifier) @name) @definition.function
(class_definition name: (identifier) @name) @definition.class
(module (expression_statement (assignment left: (identifier) @name) @definition.variable))
(class_definition body: (block (expression_statement (assignment left: (identifier) @name) @definition.field)))
(import_from_statement module_name: (dotted_name) @include)
(import_statement name: (dotted_name) @include)
