"""The paper's mathematics: the controlled setting, augmentation families, the linear methods'
closed forms (and their registry) and the alignment thresholds. numpy and scipy only, and threadpoolctl
(pure Python) for the BLAS threading policy of `linalg`."""
