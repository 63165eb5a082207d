# mysite/views.py
from django.http import JsonResponse


async def send_event(request):
    # Handed to the services: the view answers at once, they do the work.
    name = request.GET.get("name", "ping")
    await request.state.events.put(name)
    request.state.spool.put(name)
    return JsonResponse({"queued": name}, status=202)


async def featured(request):
    return JsonResponse(request.state.featured)
