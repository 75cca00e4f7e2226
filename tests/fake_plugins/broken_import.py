raise ImportError("this plugin's dependency is not installed")
