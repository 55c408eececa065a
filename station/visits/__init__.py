"""Home-visit appointments (预约上门服务) for residents aged 80+ and disabled residents.

Pure domain code: who may be visited, which bookings fit, and the order a team
walks them in. Storage in the queue and paper come from the service layer.
"""
