"""Diagnoses a PT referral carries: valid ICD-10-CM codes, body parts, lay words and surgeries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dx:
    code: str
    description: str
    body: str  # what a patient says: "right knee"
    lay: str  # a phrase for a web form or voicemail


# Keyed by the scenario drawn; the truth diagnosis group is re-derived from the codes with the practice's
# diagnosis_groups.yaml so that truth and the system agree on grouping rules.
CATALOG: dict[str, tuple[Dx, ...]] = {
    "knee_post_op": (
        Dx(
            "Z96.651",
            "Presence of right artificial knee joint",
            "right knee",
            "rehab after my knee replacement",
        ),
        Dx(
            "Z96.652",
            "Presence of left artificial knee joint",
            "left knee",
            "therapy after total knee surgery",
        ),
        Dx("Z47.1", "Aftercare following joint replacement surgery", "knee", "rehab after knee replacement"),
        Dx(
            "S83.511A",
            "Sprain of anterior cruciate ligament of right knee, initial encounter",
            "right knee",
            "ACL reconstruction rehab",
        ),
        Dx(
            "S83.241A",
            "Other tear of medial meniscus, current injury, right knee, initial encounter",
            "right knee",
            "meniscus surgery recovery",
        ),
    ),
    "knee": (
        Dx(
            "M17.11",
            "Unilateral primary osteoarthritis, right knee",
            "right knee",
            "arthritis in my right knee",
        ),
        Dx("M17.12", "Unilateral primary osteoarthritis, left knee", "left knee", "left knee arthritis"),
        Dx("M17.0", "Bilateral primary osteoarthritis of knee", "both knees", "both knees hurt on stairs"),
        Dx("M22.41", "Chondromalacia patellae, right knee", "right knee", "pain around my kneecap"),
        Dx("M25.561", "Pain in right knee", "right knee", "right knee pain"),
        Dx("M25.562", "Pain in left knee", "left knee", "my left knee keeps giving out"),
    ),
    "shoulder": (
        Dx(
            "M75.101",
            "Unspecified rotator cuff tear or rupture of right shoulder, not specified as traumatic",
            "right shoulder",
            "rotator cuff problem",
        ),
        Dx("M75.01", "Adhesive capsulitis of right shoulder", "right shoulder", "frozen shoulder"),
        Dx(
            "M75.41",
            "Impingement syndrome of right shoulder",
            "right shoulder",
            "shoulder pain reaching overhead",
        ),
        Dx("M25.511", "Pain in right shoulder", "right shoulder", "right shoulder pain"),
        Dx("M25.512", "Pain in left shoulder", "left shoulder", "left shoulder hurts"),
        Dx(
            "S46.011A",
            "Strain of muscle(s) and tendon(s) of the rotator cuff of right shoulder, initial encounter",
            "right shoulder",
            "hurt my shoulder lifting",
        ),
    ),
    "spine_lumbar": (
        Dx("M54.50", "Low back pain, unspecified", "lower back", "lower back pain"),
        Dx("M54.41", "Lumbago with sciatica, right side", "lower back", "sciatica down my right leg"),
        Dx("M54.42", "Lumbago with sciatica, left side", "lower back", "back pain and sciatica"),
        Dx(
            "M51.16",
            "Intervertebral disc disorders with radiculopathy, lumbar region",
            "lower back",
            "herniated disc in my back",
        ),
        Dx(
            "M48.061",
            "Spinal stenosis, lumbar region without neurogenic claudication",
            "lower back",
            "spinal stenosis",
        ),
        Dx(
            "M47.816",
            "Spondylosis without myelopathy or radiculopathy, lumbar region",
            "lower back",
            "arthritis in my lower back",
        ),
    ),
    "spine_cervical": (
        Dx("M54.2", "Cervicalgia", "neck", "neck pain"),
        Dx("M50.120", "Mid-cervical disc disorder, unspecified level", "neck", "disc problem in my neck"),
        Dx(
            "M47.812",
            "Spondylosis without myelopathy or radiculopathy, cervical region",
            "neck",
            "stiff neck",
        ),
        Dx(
            "S13.4XXA",
            "Sprain of ligaments of cervical spine, initial encounter",
            "neck",
            "whiplash from a car accident",
        ),
    ),
    "hip": (
        Dx("M16.11", "Unilateral primary osteoarthritis, right hip", "right hip", "hip arthritis"),
        Dx("M16.12", "Unilateral primary osteoarthritis, left hip", "left hip", "left hip pain walking"),
        Dx("M25.551", "Pain in right hip", "right hip", "right hip pain"),
        Dx("Z96.641", "Presence of right artificial hip joint", "right hip", "rehab after hip replacement"),
        Dx(
            "Z96.642", "Presence of left artificial hip joint", "left hip", "therapy after my hip replacement"
        ),
    ),
    "ankle_foot": (
        Dx("M25.571", "Pain in right ankle and joints of right foot", "right ankle", "ankle pain"),
        Dx(
            "S93.401A",
            "Sprain of unspecified ligament of right ankle, initial encounter",
            "right ankle",
            "sprained my ankle",
        ),
        Dx("M72.2", "Plantar fascial fibromatosis", "foot", "plantar fasciitis, heel pain"),
        Dx("M76.61", "Achilles tendinitis, right leg", "right heel", "achilles tendinitis"),
        Dx(
            "S82.891A",
            "Other fracture of right lower leg, initial encounter for closed fracture",
            "right leg",
            "broken ankle, boot just came off",
        ),
    ),
    "vestibular": (
        Dx("H81.10", "Benign paroxysmal vertigo, unspecified ear", "head", "vertigo"),
        Dx("H81.11", "Benign paroxysmal vertigo, right ear", "head", "room spinning when I roll over"),
        Dx("R42", "Dizziness and giddiness", "head", "dizziness and balance problems"),
    ),
    "neuro": (
        Dx(
            "I69.351",
            "Hemiplegia and hemiparesis following cerebral infarction affecting right dominant side",
            "right side",
            "weakness after a stroke",
        ),
        Dx(
            "G20.A1",
            "Parkinson's disease without dyskinesia, without mention of fluctuations",
            "balance",
            "Parkinson's, balance and walking",
        ),
    ),
    "pelvic": (
        Dx("N39.3", "Stress incontinence (female) (male)", "pelvic floor", "bladder leaking"),
        Dx("N81.10", "Cystocele, unspecified", "pelvic floor", "pelvic floor therapy"),
        Dx("M62.89", "Other specified disorders of muscle", "pelvic floor", "pelvic pain"),
        Dx("R39.15", "Urgency of urination", "pelvic floor", "pelvic floor weakness"),
    ),
    "general": (
        Dx("M62.81", "Muscle weakness (generalized)", "whole body", "general weakness"),
        Dx("R26.89", "Other abnormalities of gait and mobility", "legs", "trouble walking"),
        Dx("R26.2", "Difficulty in walking, not elsewhere classified", "legs", "balance and walking"),
        Dx("M79.18", "Myalgia, other site", "muscles", "muscle pain"),
    ),
}

# Scenario mix of a typical outpatient PT practice.
SCENARIO_WEIGHTS: dict[str, float] = {
    "knee_post_op": 0.11,
    "knee": 0.12,
    "shoulder": 0.14,
    "spine_lumbar": 0.2,
    "spine_cervical": 0.09,
    "hip": 0.08,
    "ankle_foot": 0.09,
    "vestibular": 0.04,
    "neuro": 0.04,
    "pelvic": 0.04,
    "general": 0.05,
}

# Post-surgical scenarios: (share of the scenario that is post-op, surgeries, extra code).
POST_OP: dict[str, tuple[float, tuple[str, ...], str | None]] = {
    "knee_post_op": (
        1.0,
        ("total knee arthroplasty", "ACL reconstruction", "arthroscopic meniscectomy"),
        None,
    ),
    "shoulder": (0.22, ("rotator cuff repair", "shoulder arthroscopy"), "Z98.890"),
    "hip": (0.35, ("total hip arthroplasty", "hip ORIF"), None),
    "spine_lumbar": (0.07, ("lumbar fusion", "lumbar microdiscectomy"), "Z98.1"),
    "ankle_foot": (0.12, ("ankle ORIF", "Achilles repair"), "Z98.890"),
}

REFERRER_SPECIALTIES = (
    # specialty, weight, credential mix, scenario tilt (multiplies scenario weights)
    ("Orthopaedic Surgery", 0.3, ("MD", "DO", "PA-C"), {"knee_post_op": 3.0, "hip": 2.0, "shoulder": 1.6}),
    ("Family Medicine", 0.25, ("MD", "DO", "NP", "PA-C"), {"spine_lumbar": 1.5, "general": 1.5}),
    ("Sports Medicine", 0.12, ("MD", "DO"), {"knee": 1.8, "ankle_foot": 2.0, "shoulder": 1.5}),
    ("Internal Medicine", 0.1, ("MD", "NP"), {"general": 2.0, "vestibular": 1.5}),
    ("Neurology", 0.05, ("MD",), {"neuro": 8.0, "vestibular": 3.0}),
    ("Pain Medicine", 0.06, ("MD", "DO"), {"spine_lumbar": 3.0, "spine_cervical": 3.0}),
    ("Obstetrics & Gynecology", 0.05, ("MD", "NP"), {"pelvic": 12.0}),
    ("Podiatry", 0.04, ("DPM",), {"ankle_foot": 8.0}),
    ("Neurosurgery", 0.03, ("MD",), {"spine_lumbar": 3.0, "spine_cervical": 3.0}),
)
