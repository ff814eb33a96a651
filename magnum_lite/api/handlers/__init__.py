"""One function per URL and method; each reads policy -> validate -> act ->
serialize, and answers a webob Response."""
