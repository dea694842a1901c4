"""Small neural networks: datasets, models, training, landscapes, Hessians."""
