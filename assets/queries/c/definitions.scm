; Definitions and declarations in C. A @declarator capture is resolved in Rust to the declared name
; (through pointers, arrays and parentheses) and tells a prototype from a variable.

; Functions with a body.
(function_definition declarator: (_) @declarator) @definition.function

; File-level declarations: prototypes become declarations, other declarators variables
; (`extern` ones declarations); locals inside functions are dropped.
(declaration declarator: (_) @declarator) @definition.auto

; Types with a body; without a body a struct/union/enum name is a reference.
(struct_specifier name: (type_identifier) @name body: (_)) @definition.struct
(union_specifier name: (type_identifier) @name body: (_)) @definition.union
(enum_specifier name: (type_identifier) @name body: (_)) @definition.enum
(enumerator name: (identifier) @name) @definition.enumerator
(type_definition declarator: (_) @declarator) @definition.typedef

; Members (a function declarator here is a method declaration in C++; in C it cannot occur).
(field_declaration declarator: (_) @declarator) @definition.field

; Macros.
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

(preproc_include path: (_) @include)

; `struct foo;` at file level.
(translation_unit (struct_specifier name: (_) @name !body) @declaration.struct)
(translation_unit (union_specifier name: (_) @name !body) @declaration.union)
