"""posture_cam: a webcam posture coach that warns, kindly, when a slouch lasts too long."""

__version__ = "0.1.0"
