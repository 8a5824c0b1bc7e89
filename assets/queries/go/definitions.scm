; Definitions in Go. A method is scoped by its receiver type (@scope).
; A function or method declared without a body is a declaration: its body is elsewhere (Go assembly's
; `TEXT ·name(SB)`, a `//go:linkname`), which is the definition.
(function_declaration name: (identifier) @name body: (_)) @definition.function
(function_declaration name: (identifier) @name !body) @declaration.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: [(type_identifier) @scope (pointer_type (type_identifier) @scope) (generic_type type: (type_identifier) @scope) (pointer_type (generic_type type: (type_identifier) @scope))]))
  name: (field_identifier) @name body: (_)) @definition.method
(method_declaration
  receiver: (parameter_list (parameter_declaration type: [(type_identifier) @scope (pointer_type (type_identifier) @scope) (generic_type type: (type_identifier) @scope) (pointer_type (generic_type type: (type_identifier) @scope))]))
  name: (field_identifier) @name !body) @declaration.method
(type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name) @definition.typedef
(type_alias name: (type_identifier) @name) @definition.typedef
(method_elem name: (field_identifier) @name) @declaration.method
(field_declaration name: (field_identifier) @name) @definition.field
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.variable))
(import_spec path: (_) @include)
