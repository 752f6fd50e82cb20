from orchestration.cli import entry

if __name__ == "__main__":  # the GX worker is spawned: it imports this module again and must not run the CLI
    entry()
