# Real-browser tests (a package, so their module names cannot clash with the AppTest tests in tests/).
