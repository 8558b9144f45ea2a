"""Background planning jobs: the queue, its workers and its pages."""
