; Definitions in Python. Functions in a class become methods; nested definitions are scoped by
; their enclosing function or class.
(function_definition name: (identifier) @name) @definition.function
(class_definition name: (identifier) @name) @definition.class
(module (expression_statement (assignment left: (identifier) @name) @definition.variable))
(class_definition body: (block (expression_statement (assignment left: (identifier) @name) @definition.field)))
; A function rebound on a module, a class or an object (monkey-patching: `auth.check = _compat`,
; `Cls.m = lambda …`, `auth.f = partial(g, …)`, `setattr(mod, "f", g)`, `mod.__dict__["f"] = g`,
; `vars(mod)["f"] = g`, `globals()["f"] = g`) is a definition of that name, as JavaScript's
; `X.prototype.f = function …` is; `bindings` names the statement and calls the code it binds. Not
; `self.x = …`/`cls.x = …`, nor a value that is no code (`obj.count = 3`, `obj.user = load()`).
(expression_statement (assignment left: (attribute object: (_) @_object attribute: (identifier) @name) right: [(identifier) (attribute) (lambda) (conditional_expression)]) @definition.function (#not-any-of? @_object "self" "cls"))
(expression_statement (assignment left: (attribute object: (_) @_object attribute: (identifier) @name) right: (call function: [(identifier) (attribute)] @_wrapper)) @definition.function (#not-any-of? @_object "self" "cls") (#match? @_wrapper "(^|[.])(partial|partialmethod|staticmethod|classmethod|MethodType|wraps)$"))
(expression_statement (call function: (identifier) @_setattr arguments: (argument_list . (_) . (string (string_content) @name) . [(identifier) (attribute) (lambda) (call)] .)) @definition.function (#eq? @_setattr "setattr"))
(expression_statement (assignment left: (subscript value: (attribute attribute: (identifier) @_dict) subscript: (string (string_content) @name)) right: [(identifier) (attribute) (lambda)]) @definition.function (#eq? @_dict "__dict__"))
(expression_statement (assignment left: (subscript value: (call function: (identifier) @_namespace) subscript: (string (string_content) @name)) right: [(identifier) (attribute) (lambda)]) @definition.function (#any-of? @_namespace "vars" "globals" "locals"))
(import_from_statement module_name: (dotted_name) @include)
(import_statement name: (dotted_name) @include)
