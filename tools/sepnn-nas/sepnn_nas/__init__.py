"""sepnn-nas: separable ResNeXt networks whose devices exchange only the feature maps a
searched transmission policy keeps (Lin and Wang, 2021), exported for sepnn."""
