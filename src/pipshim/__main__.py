from pipshim.cli import main

raise SystemExit(main())
