"""A pytest plugin for the notebooks' run only (``make nbval`` passes ``-p tools.nbval_startup``).

Every pytest process of that run (the controller and each xdist worker) imports nbformat, which imports
jsonschema, which eagerly imports ``rfc3987_syntax``: that compiles about 35 Earley grammars with Lark, 1.4 s of
CPU per process, 7 s of a 2-core machine's nbval run (python-jsonschema/jsonschema#1428, still eager in 4.26).
The notebook schema uses no ``iri`` format, so this run marks the module as absent and jsonschema skips only
its ``iri`` and ``iri-reference`` format checks, as when the package is not installed. Loaded with ``-p``,
this runs before pytest loads its entry-point plugins (nbval among them), which is the only point early enough.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: "import rfc3987_syntax" raises ImportError
