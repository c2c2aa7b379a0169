"""Independent solutions, written only from the labs' words (never from the references).

The property tests run each of them through ``check()`` on hundreds of seeds: a correct answer
written from the lab must earn full marks every time.
"""
