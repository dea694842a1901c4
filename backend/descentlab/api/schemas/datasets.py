"""The network lab's datasets as the browser sees them: the menu, and one generated split."""

from pydantic import BaseModel, Field

from descentlab.api.schemas.enums import TaskName as Task


class DatasetSummaryPublic(BaseModel):
    """One entry of the menu: what a model for this dataset needs to know."""

    name: str
    label: str = Field(description="what the menu shows: the name, or an upload's own label")
    description: str
    task: Task
    input_dim: int
    n_classes: int = Field(description="0 for regression")
    fixed_size: bool = Field(description="real data: n_samples and noise do not apply")
    feature_names: list[str]
    class_names: list[str] = Field(description="empty when the classes are just numbered")
    image_shape: list[int] | None = Field(
        None, description="[height, width, channels] when each row is an image (cnn)"
    )


class DatasetPublic(BaseModel):
    """One seeded train/test split, exactly the data a training run with these settings uses."""

    name: str = Field(description="the name (or an upload's id) a setup's ``dataset`` takes")
    label: str = Field(description="what the menu shows: the name, or an upload's own label")
    fixed_size: bool = Field(description="real data: n_samples and noise do not apply")
    task: Task
    input_dim: int
    n_classes: int
    feature_names: list[str]
    class_names: list[str]
    x_train: list[list[float]] = Field(description="(n_train, input_dim)")
    y_train: list[float] = Field(description="class index, or the regression target")
    x_test: list[list[float]]
    y_test: list[float]


class DatasetUploadedPublic(DatasetPublic):
    """An uploaded CSV as it was parsed: its id goes wherever a dataset's name goes."""

    expires_in_s: float = Field(description="forgotten after this long without use")
