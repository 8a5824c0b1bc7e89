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
; Rebinding an existing function to a property (round 26, as Python's in round 9): `auth.f = g`,
; `auth["f"] = g`, `Object.defineProperty(auth, "f", {value: g})`, `Object.assign(auth, {f: g})`,
; `Reflect.set(auth, "f", g)` define `f`; `bindings::js_rebindings` marks them defined by the statement
; and makes `g` their call. Not `this.x = y`, nor `exports.f = f` (the same function under its name).
(expression_statement (assignment_expression left: (member_expression object: [(identifier) (member_expression)] property: (property_identifier) @name) right: [(identifier) (member_expression)] @_value) (#not-eq? @name @_value) (#not-any-of? @name "exports" "prototype" "__proto__")) @definition.function
(expression_statement (assignment_expression left: (subscript_expression object: [(identifier) (member_expression)] index: (string (string_fragment) @name)) right: [(identifier) (member_expression)])) @definition.function
(expression_statement (call_expression function: (member_expression object: (identifier) @_object property: (property_identifier) @_method) arguments: (arguments . (_) . (string (string_fragment) @name) . (object (pair key: (property_identifier) @_key value: [(identifier) (member_expression)])))) (#eq? @_object "Object") (#eq? @_method "defineProperty") (#any-of? @_key "value" "get")) @definition.function
(expression_statement (call_expression function: (member_expression object: (identifier) @_object property: (property_identifier) @_method) arguments: (arguments . (_) . (object (pair key: (property_identifier) @name value: [(identifier) (member_expression)])))) (#eq? @_object "Object") (#eq? @_method "assign")) @definition.function
(expression_statement (call_expression function: (member_expression object: (identifier) @_object property: (property_identifier) @_method) arguments: (arguments . (_) . (string (string_fragment) @name) . [(identifier) (member_expression)] .)) (#eq? @_object "Reflect") (#eq? @_method "set")) @definition.function
