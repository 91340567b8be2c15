"""A button with a menu of columns to tick: which fields a row's card shows, which columns
are charted."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from latent_explorer.core.session.analysis_state import AnalysisState


class QtFieldPicker(QToolButton):
    """Ticks columns in a menu, bound to a tuple of column names in :class:`AnalysisState`
    (``card_columns`` or ``chart_columns``).

    An empty tuple in the state means "the default": the menu then ticks the columns
    :meth:`set_columns` named as default. Ticking writes the ticked columns to the state, in
    the order they are offered; "Default" empties it again.
    """

    def __init__(self, state: AnalysisState, field: str, text: str, tip: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.field = field
        self.offered: list[str] = []
        self.default: list[str] = []
        self.setText(text)
        self.setToolTip(tip)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.setMenu(self.menu_)
        self.actions_: dict[str, QAction] = {}
        getattr(state.events, field).connect(self._sync)

    def set_columns(self, names: list[str], default: list[str]) -> None:
        """Offer ``names``; ``default`` are those shown while the user has picked none."""
        self.offered, self.default = list(names), [n for n in default if n in names]
        self.menu_.clear()
        self.actions_ = {}
        for name in self.offered:
            action = QAction(name, self.menu_)
            action.setCheckable(True)
            action.toggled.connect(lambda _=False, n=name: self._on_toggled(n))
            self.menu_.addAction(action)
            self.actions_[name] = action
        self.menu_.addSeparator()
        reset = QAction("Default", self.menu_)
        reset.setToolTip("The first few columns")
        reset.triggered.connect(lambda: setattr(self.state, self.field, ()))
        self.menu_.addAction(reset)
        self.setEnabled(bool(self.offered))
        self._sync()

    def chosen(self) -> list[str]:
        """The columns in use: the user's pick (those still offered), else the default."""
        picked = [n for n in getattr(self.state, self.field) if n in self.offered]
        return picked or list(self.default)

    def pick(self, names: list[str]) -> None:
        """Choose ``names`` (as ticking them would)."""
        setattr(self.state, self.field, tuple(n for n in self.offered if n in names))

    def _on_toggled(self, name: str) -> None:
        ticked = [n for n, action in self.actions_.items() if action.isChecked()]
        setattr(self.state, self.field, tuple(ticked))

    def _sync(self, *_: object) -> None:
        chosen = set(self.chosen())
        for name, action in self.actions_.items():
            action.blockSignals(True)
            action.setChecked(name in chosen)
            action.blockSignals(False)
