import gc

from tracker import create_app

app = create_app()
gc.freeze()  # objects made at start-up never need collecting: fewer long garbage-collection pauses
