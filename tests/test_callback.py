import numpy as np
import pytest

from refopt import OptimizeResult
from refopt._callback import call_callback_maybe_halt, wrap_callback


def test_old_form_gets_a_copy_of_x():
    seen = []
    cb = wrap_callback(lambda xk: seen.append(xk))
    x = np.array([1.0, 2.0])
    assert not call_callback_maybe_halt(cb, OptimizeResult(x=x, fun=3.0))
    seen[0][0] = 99.0
    assert x[0] == 1.0


def test_new_form_gets_the_result():
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result)

    result = OptimizeResult(x=np.zeros(2), fun=1.0)
    call_callback_maybe_halt(wrap_callback(cb), result)
    assert seen == [result]


def test_stop_iteration_halts_and_true_halts_only_when_asked():
    def stop(xk):
        raise StopIteration

    res = OptimizeResult(x=np.zeros(1))
    assert call_callback_maybe_halt(wrap_callback(stop), res)
    yes = wrap_callback(lambda xk: True)
    assert not call_callback_maybe_halt(yes, res)
    assert call_callback_maybe_halt(yes, res, stop_on_true=True)
    assert not call_callback_maybe_halt(None, res)


def test_non_callable_is_a_type_error():
    with pytest.raises(TypeError, match="callback"):
        wrap_callback(3)
