"""Fast OpenGL points and lines for the 3-D map.

pyqtgraph's ``GLScatterPlotItem`` sends 32 bytes per point (position, RGBA float colour, size)
and blends every fragment additively; a re-colour re-uploads all colours. Under Mesa's software
renderer that costs ~46 ms per frame at 100,000 points. :class:`GLPointsItem` keeps positions in
a vertex buffer uploaded once (12 bytes per point) and one byte per point indexing a palette
held in a uniform array. Hiding a class sets its palette alpha to zero (the vertex shader moves
the point off screen), so neither recolouring nor hiding touches the point data. Points are
drawn with a fixed size, opaque and depth-tested, as round discs (``gl_PointCoord`` discard)
or, for very many points, as plain squares. The same item draws line strips and line lists.

Each item compiles its own program in the context of the view it belongs to: pyqtgraph caches
its programs per class, which breaks as soon as a second OpenGL widget (own context) is built.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from OpenGL import GL
from pyqtgraph.opengl.GLGraphicsItem import GLGraphicsItem
from PySide6.QtGui import QColor, QOpenGLContext, QSurfaceFormat

PALETTE_SIZE = 64
"""Colour slots in the palette uniform (64 x vec4 fits GL 2.1's minimum uniform space)."""

SHAPE_SQUARE, SHAPE_DISC, SHAPE_RING, SHAPE_STAR, SHAPE_CROSSHAIR = 0, 1, 2, 3, 4
_MODES = {"points": GL.GL_POINTS, "lines": GL.GL_LINES, "line_strip": GL.GL_LINE_STRIP}
_POINT_SPRITE = 0x8861  # GL_POINT_SPRITE: needed for gl_PointCoord in compatibility profiles

_VERTEX = """
uniform mat4 u_mvp;
uniform vec4 u_palette[64];
uniform float u_size;
uniform vec3 u_fog;          // camera distance where fading starts, ends; strength (0: off)
uniform vec3 u_background;
ATTRIBUTE vec3 a_position;
ATTRIBUTE float a_index;
VARYING vec4 v_color;
void main() {
    vec4 c = u_palette[int(a_index + 0.5)];
    if (c.a <= 0.0) {  // a hidden class: outside the clip volume, so nothing is drawn
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
        gl_PointSize = 1.0;
        v_color = c;
        return;
    }
    vec4 p = vec4(a_position, 1.0);
    gl_Position = u_mvp * p;
    gl_PointSize = u_size;
    float d = gl_Position.w;  // the distance along the view axis, for a perspective camera
    float f = u_fog.z * clamp((d - u_fog.x) / max(u_fog.y - u_fog.x, 1e-6), 0.0, 1.0);
    v_color = vec4(mix(c.rgb, u_background, f), c.a);
}
"""

_FRAGMENT = """
uniform int u_shape;
VARYING vec4 v_color;
void main() {
    if (u_shape == 0) { OUT_COLOR = v_color; return; }
    vec2 xy = gl_PointCoord * 2.0 - 1.0;
    float r2 = dot(xy, xy);
    if (r2 > 1.0) discard;
    if (u_shape == 1) {  // a disc, slightly darker towards its rim so touching dots separate
        OUT_COLOR = vec4(v_color.rgb * (1.0 - 0.4 * r2 * r2), v_color.a);
    } else if (u_shape == 2) {  // a ring
        if (r2 < 0.42) discard;
        OUT_COLOR = v_color;
    } else if (u_shape == 4) {  // a crosshair in a ring: the probe
        if (r2 < 0.5 && abs(xy.x) > 0.16 && abs(xy.y) > 0.16) discard;
        OUT_COLOR = v_color;
    } else {  // a five-pointed star with a dark outline
        float a = atan(-xy.y, xy.x) - 1.5707963;
        float k = pow(0.5 + 0.5 * cos(5.0 * a), 3.0);
        float edge = mix(0.42, 1.0, k);
        float r = sqrt(r2);
        if (r > edge) discard;
        OUT_COLOR = r > edge - 0.22 ? vec4(0.07, 0.07, 0.07, 1.0) : v_color;
    }
}
"""


def _glsl_header(context: QOpenGLContext, stage: str) -> str:
    """``#version`` and the few words that differ between GLSL dialects."""
    fmt = context.format()
    if context.isOpenGLES():
        modern = fmt.version() >= (3, 0)
        version = "#version 300 es\n" if modern else "#version 100\n"
        version += "precision highp float;\n"
    else:
        modern = fmt.profile() == QSurfaceFormat.OpenGLContextProfile.CoreProfile
        version = "#version 150\n" if modern else "#version 120\n"
    if stage == "vertex":
        words = ("in", "out") if modern else ("attribute", "varying")
        return version + f"#define ATTRIBUTE {words[0]}\n#define VARYING {words[1]}\n"
    if modern:
        return version + "#define VARYING in\nout vec4 fragColor;\n#define OUT_COLOR fragColor\n"
    return version + "#define VARYING varying\n#define OUT_COLOR gl_FragColor\n"


def _compile(context: QOpenGLContext) -> int:
    program = GL.glCreateProgram()
    for stage, kind, source in (("vertex", GL.GL_VERTEX_SHADER, _VERTEX),
                                ("fragment", GL.GL_FRAGMENT_SHADER, _FRAGMENT)):
        shader = GL.glCreateShader(kind)
        GL.glShaderSource(shader, _glsl_header(context, stage) + source)
        GL.glCompileShader(shader)
        if not GL.glGetShaderiv(shader, GL.GL_COMPILE_STATUS):
            raise RuntimeError(f"{stage} shader: {GL.glGetShaderInfoLog(shader)!r}")
        GL.glAttachShader(program, shader)
        GL.glDeleteShader(shader)  # freed with the program
    GL.glBindAttribLocation(program, 0, "a_position")
    GL.glBindAttribLocation(program, 1, "a_index")
    GL.glLinkProgram(program)
    if not GL.glGetProgramiv(program, GL.GL_LINK_STATUS):
        raise RuntimeError(f"shader link: {GL.glGetProgramInfoLog(program)!r}")
    return int(program)


def colors_to_rgba(colors: list[QColor]) -> npt.NDArray[np.float32]:
    """``(K, 4)`` float RGBA in [0, 1] of ``colors``."""
    return np.asarray([c.getRgbF() for c in colors], dtype=np.float32).reshape(-1, 4)


class GLPointsItem(GLGraphicsItem):
    """Points (or lines) at ``(N, 3)`` positions, each coloured by a one-byte palette index.

    ``mode`` is ``points``, ``lines`` or ``line_strip``. Overlay items (markers, paths) pass
    ``depth_test=False`` to stay visible in front of the cloud.
    """

    def __init__(self, mode: str = "points", size: float = 4.0, shape: int = SHAPE_DISC,
                 depth_test: bool = True, line_width: float = 1.0) -> None:
        super().__init__()
        self.mode = mode
        self.size = float(size)
        self.shape = shape
        self.depth_test = depth_test
        self.line_width = line_width
        self.fog = (0.0, 0.0, 0.0)
        self.background = (0.0, 0.0, 0.0)
        self.positions = np.zeros((0, 3), dtype=np.float32)
        self.color_index = np.zeros(0, dtype=np.uint8)
        self.palette = np.zeros((PALETTE_SIZE, 4), dtype=np.float32)
        self._dirty = {"positions", "color_index"}
        self._program: int | None = None
        self._context: QOpenGLContext | None = None
        self._buffers: list[int] = []
        self._uniforms: dict[str, int] = {}
        self.upload_count = 0
        self.draw_count: int | None = None
        """Draw only the first ``draw_count`` points (a level of detail), or all (``None``)."""
        self.drawn = 0

    # --- data (cheap to call; the upload happens in the next paint) ------------------------
    def set_positions(self, positions: np.ndarray) -> None:
        """Where the points are, ``(N, 3)``; uploaded once to a vertex buffer."""
        self.positions = np.ascontiguousarray(positions, dtype=np.float32).reshape(-1, 3)
        if len(self.color_index) != len(self.positions):
            self.color_index = np.zeros(len(self.positions), dtype=np.uint8)
            self._dirty.add("color_index")
        self._dirty.add("positions")
        self.update()

    def set_color_index(self, color_index: np.ndarray) -> None:
        """Each point's palette slot (``< PALETTE_SIZE``); re-uploads one byte per point."""
        self.color_index = np.ascontiguousarray(color_index, dtype=np.uint8)
        self._dirty.add("color_index")
        self.update()

    def set_palette(self, rgba: np.ndarray) -> None:
        """Colours ``(K, 4)`` of the palette slots; alpha 0 hides a slot. A uniform: O(1)."""
        rgba = np.asarray(rgba, dtype=np.float32).reshape(-1, 4)[:PALETTE_SIZE]
        self.palette = np.zeros((PALETTE_SIZE, 4), dtype=np.float32)
        self.palette[: len(rgba)] = rgba
        self.update()

    def set_color(self, color: QColor) -> None:
        """One colour for every point (markers, lines)."""
        self.set_palette(colors_to_rgba([color]))

    # --- drawing ---------------------------------------------------------------------------
    def _ensure_gl(self) -> None:
        context = QOpenGLContext.currentContext()
        if self._program is not None and context is self._context:
            return
        self._context = context
        self._program = _compile(context)
        self._buffers = [int(b) for b in np.atleast_1d(GL.glGenBuffers(2))]
        self._uniforms = {name: GL.glGetUniformLocation(self._program, name)
                          for name in ("u_mvp", "u_palette", "u_size", "u_fog",
                                       "u_background", "u_shape")}
        self._dirty = {"positions", "color_index"}

    def _upload(self) -> None:
        for name, buffer in (("positions", self._buffers[0]), ("color_index", self._buffers[1])):
            if name in self._dirty:
                data: Any = getattr(self, name)
                GL.glBindBuffer(GL.GL_ARRAY_BUFFER, buffer)
                GL.glBufferData(GL.GL_ARRAY_BUFFER, max(data.nbytes, 1),
                                data if data.nbytes else None, GL.GL_STATIC_DRAW)
                self.upload_count += 1
        self._dirty.clear()

    def paint(self) -> None:
        n = len(self.positions)
        if n == 0:
            return
        self._ensure_gl()
        assert self._program is not None and self._context is not None
        self._upload()
        if self.depth_test:
            GL.glEnable(GL.GL_DEPTH_TEST)
        else:
            GL.glDisable(GL.GL_DEPTH_TEST)
        GL.glDisable(GL.GL_BLEND)
        if self.mode == "points" and not self._context.isOpenGLES():
            GL.glEnable(GL.GL_PROGRAM_POINT_SIZE)
            if self._context.format().profile() != QSurfaceFormat.OpenGLContextProfile.CoreProfile:
                GL.glEnable(_POINT_SPRITE)
        elif self.mode != "points":
            GL.glLineWidth(self.line_width)
        u = self._uniforms
        GL.glUseProgram(self._program)
        try:
            GL.glUniformMatrix4fv(u["u_mvp"], 1, False,
                                  np.asarray(self.mvpMatrix().data(), dtype=np.float32))
            GL.glUniform4fv(u["u_palette"], PALETTE_SIZE, self.palette)
            GL.glUniform1f(u["u_size"], self.size)
            GL.glUniform3f(u["u_fog"], *self.fog)
            GL.glUniform3f(u["u_background"], *self.background)
            GL.glUniform1i(u["u_shape"], self.shape if self.mode == "points" else SHAPE_SQUARE)
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self._buffers[0])
            GL.glVertexAttribPointer(0, 3, GL.GL_FLOAT, False, 0, None)
            GL.glEnableVertexAttribArray(0)
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self._buffers[1])
            GL.glVertexAttribPointer(1, 1, GL.GL_UNSIGNED_BYTE, False, 0, None)
            GL.glEnableVertexAttribArray(1)
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, 0)
            self.drawn = n if self.draw_count is None else min(n, self.draw_count)
            GL.glDrawArrays(_MODES[self.mode], 0, self.drawn)
        finally:
            GL.glDisableVertexAttribArray(0)
            GL.glDisableVertexAttribArray(1)
            GL.glUseProgram(0)
