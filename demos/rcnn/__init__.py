"""rcnn: an R-CNN-style two-stage detector — colour-region proposals, each warped and classified by a small CNN."""
