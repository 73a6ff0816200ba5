"""Huawei Cloud Live (legacy v1 stream statistics) and Huawei IAM."""
