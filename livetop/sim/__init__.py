"""The vendor simulator: a real HTTP server on 127.0.0.1 speaking Huawei Cloud Live v1 (with IAM) and JD Cloud
opencdn, checking auth and parameters the way the vendors do, serving deterministic traffic curves, and
answering with each documented error when a scenario asks it to. Test double for every integration test and
the engine of `livetop demo`. Never imports textual.
"""
