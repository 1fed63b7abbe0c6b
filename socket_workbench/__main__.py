from socket_workbench.main import main

raise SystemExit(main())
