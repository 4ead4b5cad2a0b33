from django.core.management.base import BaseCommand

from events.demo import DemoLogins, seed_registrations, seed_tour
from events.demo_organizing import seed_organizing
from speakers.demo import seed_cfp
from sponsors.demo import seed_sponsors


class Command(BaseCommand):
    help = "Load the demo tour “2024 数字经济-城市开源行” (running it again changes nothing) and print the logins."

    def handle(self, *args, **options):
        logins = DemoLogins()
        tour = seed_tour(logins)
        seed_cfp(tour, logins)
        seed_registrations(tour, logins)
        seed_sponsors(tour)
        seed_organizing(tour, logins)
        self.stdout.write(self.style.SUCCESS(f"Demo tour ready: {tour.name}"))
        self.stdout.write("Demo logins (admin at http://127.0.0.1:8000/admin/):")
        for who, email, password in logins.rows:
            self.stdout.write(f"  {email:<34} {password:<16} {who}")
