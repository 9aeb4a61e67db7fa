import pickle

import numpy as np
import pytest

from refopt import OptimizeResult


def test_attribute_and_item_access_are_the_same_entry():
    res = OptimizeResult(x=np.array([1.0, 2.0]), success=True)
    res.status = 1
    assert res["status"] == 1
    assert res.x is res["x"]
    del res.status
    assert "status" not in res


def test_missing_attribute_raises_attribute_error():
    with pytest.raises(AttributeError):
        OptimizeResult().x


def test_repr_puts_message_first_and_aligns_keys():
    res = OptimizeResult(x=np.zeros(2), nfev=3, message="done", success=True)
    lines = repr(res).splitlines()
    assert lines[0] == " message: done"
    assert lines[1] == " success: True"
    assert [line.index(":") for line in lines] == [8] * 4
    assert repr(OptimizeResult()) == "OptimizeResult()"


def test_pickle_round_trip():
    res = OptimizeResult(x=np.arange(3.0), message="ok")
    back = pickle.loads(pickle.dumps(res))
    assert isinstance(back, OptimizeResult)
    assert back.message == "ok" and np.array_equal(back.x, res.x)
