; Definitions in JavaScript. A variable bound to a function is a function.
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(class_declaration name: (identifier) @name) @definition.class
(method_definition name: (property_identifier) @name) @definition.method
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function
; A function assigned to a property (CommonJS `exports.f = function …`, `module.exports.f = …`,
; `C.prototype.m = …`) is a function of that name: what callers reach through the object.
(expression_statement (assignment_expression left: (member_expression property: (property_identifier) @name) right: [(arrow_function) (function_expression)]) @definition.function)
(program (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
(program (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)))
(field_definition property: (property_identifier) @name) @definition.field
(import_statement source: (string (string_fragment) @include))
