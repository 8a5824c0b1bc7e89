; Definitions and declarations in C++. A @declarator capture is resolved in Rust to the declared name
; (through pointers, references, arrays and parentheses; `A::B::f` is split into scope and name) and
; tells a prototype from a variable. Constructors, destructors, operators and methods are told apart
; in Rust from the name and the enclosing class.

; Functions and methods with a body (free, in-class, out-of-line `A::B::f`, templates).
(function_definition declarator: (_) @declarator) @definition.function

; Prototypes, in-class declarations without a type (constructors), variables.
(declaration declarator: (_) @declarator) @definition.auto
(field_declaration declarator: (_) @declarator) @definition.field

; Types with a body.
(class_specifier name: (_) @name body: (_)) @definition.class
(struct_specifier name: (_) @name body: (_)) @definition.struct
(union_specifier name: (_) @name body: (_)) @definition.union
(enum_specifier name: (_) @name body: (_)) @definition.enum
(enumerator name: (identifier) @name) @definition.enumerator

; Forward declarations: `class Foo;`.
(declaration type: (class_specifier name: (_) @name !body) !declarator) @declaration.class
(declaration type: (struct_specifier name: (_) @name !body) !declarator) @declaration.struct

; Aliases.
(type_definition declarator: (_) @declarator) @definition.typedef
(alias_declaration name: (type_identifier) @name) @definition.typedef

; Namespaces (`namespace a::b {` is split into scope and name).
(namespace_definition name: (_) @name body: (_)) @definition.namespace

; Concepts.
(concept_definition name: (identifier) @name) @definition.typedef

; Macros.
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

(preproc_include path: (_) @include)

; `class Foo;` at file or namespace level.
(translation_unit (class_specifier name: (_) @name !body) @declaration.class)
(translation_unit (struct_specifier name: (_) @name !body) @declaration.struct)
(declaration_list (class_specifier name: (_) @name !body) @declaration.class)
(declaration_list (struct_specifier name: (_) @name !body) @declaration.struct)
