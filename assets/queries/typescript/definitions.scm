; Definitions in TypeScript (also used for TSX). Signatures without bodies are declarations.
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(function_signature name: (identifier) @name) @declaration.function
(class_declaration name: (type_identifier) @name) @definition.class
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.typedef
(enum_declaration name: (identifier) @name) @definition.enum
(enum_body (property_identifier) @name @definition.enumerator)
(enum_body (enum_assignment name: (property_identifier) @name) @definition.enumerator)
(internal_module name: (_) @name) @definition.namespace
(module name: (_) @name) @definition.module
(method_definition name: (property_identifier) @name) @definition.method
(method_signature name: (property_identifier) @name) @declaration.method
(abstract_method_signature name: (property_identifier) @name) @declaration.method
(property_signature name: (property_identifier) @name) @definition.field
(public_field_definition name: (property_identifier) @name) @definition.field
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function
(program (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
(program (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)))
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
