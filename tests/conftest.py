import pytest

from fragility_core.science.data import BlobTask, TaskSpec


@pytest.fixture(scope="session")
def small_task() -> BlobTask:
    """A small instance of the task (the published sizes are 12,000 / 4,000 / 2,000)."""
    return BlobTask.generate(TaskSpec(n_train=640, n_standard=400, n_clean=200))
