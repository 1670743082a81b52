from decide import create_app

app = create_app()
