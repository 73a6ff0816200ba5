from livetop.cli import main

raise SystemExit(main())
