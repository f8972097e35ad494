"""The IoT event stream: sensor and traffic readings in micro-batches of JSON lines."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from citylake.generate.context import Context
from citylake.generate.entities import IOT_EVENTS
from citylake.generate.schema import Batch
from citylake.generate.sources import record_ids

TYPES = (("water_level", "m", 2.0, 0.8, 6.0), ("smoke", "ppm", 5.0, 3.0, 80.0), ("gas", "ppm", 2.0, 1.0, 40.0),
         ("traffic_flow", "veh/5min", 120.0, 60.0, 400.0), ("air_quality", "AQI", 70.0, 30.0, 200.0))


def daily_batches(ctx: Context) -> Iterator[Batch]:
    geo = ctx.geo
    rng = ctx.rng("iot", "devices")
    devices = max(20, ctx.config.people // 2000)
    dtype = rng.integers(0, len(TYPES), devices)
    street = rng.integers(0, len(geo.street_codes), devices)
    lonlat = np.round(geo.street_lonlat[street] + rng.normal(0, 0.01, (devices, 2)), 6)
    per_batch = ctx.config.iot_batches_per_day
    minutes = 24 * 60 // per_batch
    for d in range(ctx.config.days + 1):
        rng = ctx.rng("iot", d)
        day = np.datetime64(ctx.iso(d), "s")
        for b in range(per_batch):
            k = int(rng.poisson(devices * 0.8))
            dev = rng.integers(0, devices, k)
            t = dtype[dev]
            mean = np.array([x[2] for x in TYPES])[t]
            sd = np.array([x[3] for x in TYPES])[t]
            alarm_at = np.array([x[4] for x in TYPES])[t]
            value = np.round(np.abs(rng.normal(mean, sd)), 2)
            window = day + np.timedelta64(b * minutes * 60, "s")
            late = rng.random(k) < 0.05  # arrives in a later batch than it was measured
            offset = rng.integers(0, minutes * 60, k) - np.where(late & (b > 0), minutes * 60, 0)
            when = window + offset.astype("timedelta64[s]")
            hhmm = f"{(b * minutes) // 60:02d}{(b * minutes) % 60:02d}"
            yield Batch(IOT_EVENTS, d, {
                "event_id": record_ids(ctx, "EV", k),
                "device_id": [f"DEV{x + 1:06d}" for x in dev.tolist()],
                "device_type": [TYPES[x][0] for x in t.tolist()],
                "event_time": [str(x).replace("T", " ") for x in when.tolist()],
                "value": value.tolist(),
                "unit": [TYPES[x][1] for x in t.tolist()],
                "division": [geo.district_codes[geo.street_district[s]] for s in street[dev].tolist()],
                "longitude": lonlat[dev, 0].tolist(),
                "latitude": lonlat[dev, 1].tolist(),
                "status": np.where(value > alarm_at, "alarm", "normal").tolist(),
            }, batch_time=hhmm)
