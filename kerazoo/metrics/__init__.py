"""Metrics: functions of arrays, weights and feature functions, never of model classes."""

from kerazoo.metrics.reconstruction import encoder_jacobian_norm, mse, psnr

__all__ = ["encoder_jacobian_norm", "mse", "psnr"]
