"""`kerazoo demo`: the gallery a new user sees first.

`build_gallery(out)` loads the zoo's entries and writes `out/index.html` with PNGs: samples
of every generative model, reconstructions, denoising and inpainting, a latent explorer
(pointer over a 2-D map shows the decoded image there), maps of the codes, decoded grids,
interpolations, clustering and classification confusion matrices, recommendations for a
sample user and first-layer filters, each with the numbers from its model card.
"""

from kerazoo.demo.build import DEFAULT_OUT, GalleryResult, build_gallery
from kerazoo.demo.gallery import check_output_dir

__all__ = ["DEFAULT_OUT", "GalleryResult", "build_gallery", "check_output_dir"]
