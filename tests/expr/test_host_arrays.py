"""Host arrays that expressions cannot change (refopt.expr.hostdata).

The host puts read-only and writeable arrays, an object holding an array, and containers of
arrays in the symbol table; hypothesis builds statements that try to write into them through
every channel numpy offers -- flags, ``setflags``, array methods, ``out=`` arguments, ufunc
methods, item and slice assignment, views, ``.base``, ``.T``, ``.flat`` -- and after running
them the test checks that every host array is bitwise unchanged (bytes, shape, dtype and its
WRITEABLE flag), that every host entry of the symbol table is the same object, that numpy's
and Python's namespaces are unchanged, and that the interpreter still works. The host's names are ``readonly_symbols``, so rebinding
them is refused too. Arrays the
expression makes itself stay writeable.
"""

from __future__ import annotations

import builtins
import types

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from refopt.expr import Interpreter
from refopt.expr.hostdata import HostArrays, memory_owner, sealed_view


def _host_symbols() -> dict:
    readonly = np.arange(6.0)
    readonly.flags.writeable = False
    backing = np.arange(24.0).reshape(4, 6)
    holder = types.SimpleNamespace(arr=np.linspace(0.0, 1.0, 5))
    return {
        "data": readonly,
        "wdata": np.arange(6.0),
        "idata": np.arange(6),
        "cdata": np.arange(4) + 1j,
        "bdata": np.array([True, False, True]),
        "m": np.eye(3),
        "strided": backing[::2, 1::2],     # a view of an array the expression never sees
        "scalar0d": np.array(2.5),
        "obj": holder,
        "lst": [np.arange(4.0), np.ones(3)],
        "tup": (np.zeros(2), np.arange(3)),
        "dct": {"a": np.arange(5.0)},
    }


def _arrays(symbols: dict) -> list[np.ndarray]:
    """Every host array, found through the containers (the strided view's base too)."""
    out = []
    for value in symbols.values():
        if isinstance(value, np.ndarray):
            out.append(value)
            if value.base is not None:
                out.append(value.base)
        elif isinstance(value, (list, tuple)):
            out.extend(value)
        elif isinstance(value, dict):
            out.extend(value.values())
        elif isinstance(value, types.SimpleNamespace):
            out.extend(vars(value).values())
    return out


def _fingerprint(a: np.ndarray) -> tuple:
    return a.tobytes(), a.shape, a.dtype.str, a.flags.writeable, a.flags.owndata


def _namespace(module) -> dict:
    return {name: id(getattr(module, name)) for name in dir(module) if not name.startswith("__")}


BASES = ["data", "wdata", "idata", "cdata", "bdata", "m", "strided", "scalar0d", "obj.arr",
         "lst[0]", "tup[1]", "dct['a']", "[a for a in lst][1]", "sorted(lst, key=len)[0]",
         "max(tup, key=len)", "(lambda a: a)(wdata)", "list(dct.values())[0]"]
SUFFIXES = ["", ".T", "[1:]", "[::2]", ".reshape(-1)", ".view()", ".real", "[...]", ".flat.base",
            ".squeeze()", ".swapaxes(0, -1)", ".ravel()", ".diagonal()", "[None]"]
WRITES = [
    "{r}.flags.writeable = True", "{r}.setflags(write=True)", "{r}.flags['W'] = True",
    "{r}.setflags(write=1, align=1)", "{r}.fill(0)", "{r}.sort()", "{r}.put(0, 9)",
    "{r}.partition(0)", "{r}.byteswap(True)", "{r}.resize(2)", "{r}.shape = (-1,)",
    "{r}[0] = 9", "{r}[...] = 9", "{r}[:] = 7", "{r} += 1", "{r} *= 0", "{r} //= 2",
    "add.at({r}, 0, 1)", "negative.at({r}, [0])", "maximum.at({r}, 0, 99)",
    "add({r}, 1, out={r})", "multiply({r}, 0, out={r})", "sqrt({r}, out={r})",
    "add.reduceat(ones(6), [0], out={r}.reshape(-1)[:1])", "add.accumulate(ones(shape({r})), out={r})",
    "add.reduce(ones((2,) + shape({r})), out={r})", "place({r}, {r} == {r}, 0)",
    "putmask({r}, {r} == {r}, 0)", "clip({r}, 0, 0, out={r})", "cumsum({r}, out={r}.reshape(-1))",
    "around({r}, out={r})", "modf({r}, out=({r}, {r}))", "{r}.flat[0] = 9", "{r}.flat = 3",
    "{r}.T[...] = 9", "fill_diagonal({r}, 0)", "{r}.base.obj", "{r}.data", "{r}.base.base",
    "{r}.view().setflags(write=True)", "y = {r}\ny[0] = 9", "y = {r}\ny.setflags(write=True)",
    "for q in [{r}]:\n    q.fill(1)", "list(map(putmask, [{r}], [True], [0]))",
    "[putmask(q, True, 0) for q in [{r}]]", "def f(q):\n    q[...] = 0\nf({r})",
    "f = lambda q: q.fill(0)\nf({r})", "a, *b = [{r}, {r}]\na.fill(5)",
    "d = dict(x={r})\nd['x'].fill(1)", "putmask(**dict(a={r}, mask=True, values=0))",
    "copyto({r}, 0)", "{r}.real[...] = 1", "{r}.imag[...] = 1", "{r}.itemset(0, 1)",
    # rebinding the host's names (they are read-only symbols here)
    "data = zeros(6)", "del lst", "def obj():\n    return 0", "dct = {{}}", "wdata += 1",
    "for m in [1]:\n    pass", "tup, x = 1, 2",
]


@st.composite
def receivers(draw) -> str:
    text = draw(st.sampled_from(BASES))
    for suffix in draw(st.lists(st.sampled_from(SUFFIXES), max_size=3)):
        text = f"({text}){suffix}" if suffix else text
    return text


statements = st.builds(lambda template, r: template.format(r=r), st.sampled_from(WRITES), receivers())


@settings(max_examples=max(300, settings().max_examples), deadline=None)  # a fuzz test: more than the default
@given(st.lists(statements, min_size=1, max_size=4))
def test_no_expression_changes_host_data(texts):
    symbols = _host_symbols()
    arrays = _arrays(symbols)
    before = [_fingerprint(a) for a in arrays]
    np_before, builtins_before = _namespace(np), _namespace(builtins)
    interp = Interpreter(user_symbols=symbols, raise_errors=False, readonly_symbols=set(symbols))
    entries = {name: interp.symtable[name] for name in symbols}
    for text in texts:
        interp.eval(text)
        interp.eval("\n".join(texts))  # and all of them in one run
    assert [_fingerprint(a) for a in arrays] == before
    assert all(interp.symtable[name] is value for name, value in entries.items())
    assert _namespace(np) == np_before and _namespace(builtins) == builtins_before
    assert interp.eval("1 + 1") == 2
    made = interp.eval("x = zeros(3)\nx[1] = 5\nx += 1\nadd.at(x, 0, 1)\nx")
    assert made.tolist() == [2.0, 6.0, 1.0] and not interp.error


def test_arrays_the_expression_makes_stay_writeable():
    interp = Interpreter()
    out = interp.eval("a = 1.0 * arange(6)\nb = a.reshape(2, 3)\nb[0, 0] = 9\n"
                      "c = [zeros(2), ones(2)]\nc[1][0] = 4\n"
                      "xs, ys = meshgrid(arange(2.0), arange(2.0))\nxs[0, 0] = 7\n"
                      "for row in b:\n    row[1] = -1\n"
                      "(a, c, xs)")
    a, c, xs = out
    assert a.tolist() == [9.0, -1.0, 2.0, 3.0, -1.0, 5.0]
    assert c[1].tolist() == [4.0, 1.0] and xs[0, 0] == 7.0
    interp.eval("a[5] = 0")  # still writeable in a later run
    assert interp.symtable["a"][5] == 0


def test_host_sees_its_own_updates_and_reads_work():
    data = np.arange(4.0)
    interp = Interpreter(user_symbols={"data": data})
    assert interp.eval("sum(data * 2)") == 12.0
    data[0] = 10.0  # the sealed view shares memory: the next run sees the host's change
    assert interp.eval("data[0] + data[1:].sum()") == 16.0
    assert not interp.eval("data.flags.writeable")  # what the expression sees is sealed
    assert data.flags.writeable  # the host's own array keeps its flag


def test_ufunc_at_refuses_a_read_only_operand():
    interp = Interpreter(raise_errors=False)
    interp.eval("x = zeros(3)\nx.flags.writeable = False\nadd.at(x, 0, 1)")
    assert interp.error and "read-only" in interp.error[0].msg
    assert interp.symtable["x"].tolist() == [0.0, 0.0, 0.0]


def test_sealed_view_cannot_be_made_writeable():
    for a in (np.arange(5.0), np.arange(12).reshape(3, 4)[:, ::2], np.array(3 + 1j),
              np.array(["2020-01-01"], dtype="M8[D]")):
        view = sealed_view(a)
        assert np.array_equal(view, a) and view.dtype == a.dtype
        with pytest.raises(ValueError):
            view.setflags(write=True)
        with pytest.raises(ValueError):
            view.T.flags.writeable = True


def test_adoption_is_by_memory_owner_and_weak():
    host = HostArrays()
    made = host.adopt(np.zeros(4))
    assert host.guard(made[1:]) is not None and host.guard(made[1:]).flags.writeable
    foreign = np.ones(3)
    sealed = host.guard(foreign)
    assert sealed is not foreign and not sealed.flags.writeable
    assert host.guard(sealed) is sealed and memory_owner(sealed) is not foreign
    del made
    assert not host._own  # the record does not keep arrays alive
