"""Alibaba Cloud ApsaraVideo Live (Live 2016-11-01): DescribeLiveDomainBpsData and
DescribeLiveDomainTrafficData."""
